namespace RawFrames.Client;

/// <summary>How frames are compressed: JPEG quality and chroma subsampling, PNG's compression level.</summary>
/// <param name="Quality">JPEG quality, 1-100.</param>
/// <param name="Subsampling">JPEG chroma subsampling.</param>
/// <param name="PngLevel">PNG compression level (<see cref="PngLevels"/>).</param>
public sealed record EncoderSettings(int Quality = 80, ChromaSubsampling Subsampling = ChromaSubsampling.S420, int PngLevel = PngLevels.Default);
