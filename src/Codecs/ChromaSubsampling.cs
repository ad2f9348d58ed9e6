using RawFrames.Codecs.Interop;

namespace RawFrames.Client;

/// <summary>JPEG chroma subsampling; the values are TurboJPEG's TJSAMP constants.</summary>
public enum ChromaSubsampling
{
    /// <summary>Full colour resolution: the sharpest colour edges, the largest files.</summary>
    S444 = TurboJpeg.Samp444,

    /// <summary>Colour at half the width.</summary>
    S422 = TurboJpeg.Samp422,

    /// <summary>Colour at half the width and height: what cameras and video use, the smallest files.</summary>
    S420 = TurboJpeg.Samp420,
}
