using RawFrames.Codecs.Interop;

namespace RawFrames.Codecs;

/// <summary>JPEG chroma subsampling; the values are TurboJPEG's TJSAMP constants.</summary>
public enum ChromaSubsampling
{
    S444 = TurboJpeg.Samp444,
    S422 = TurboJpeg.Samp422,
    S420 = TurboJpeg.Samp420,
}
