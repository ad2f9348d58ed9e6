using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Viewer;

/// <summary>
/// A stream's JPEG at the width a page shows it: decoded at the smallest TurboJPEG scale that covers that width
/// (inside the DCT), scaled by libyuv, encoded again; so a thumbnail costs the browser a thumbnail's decode, not a
/// full frame's plus a downscale. One per stream, one scale at a time (the caller holds the stream's lock).
/// </summary>
public sealed class JpegScaler(CodecPool codecs) : IDisposable
{
    private const int Quality = 80;

    private readonly TensorPreprocessor _scaler = new(codecs);
    private readonly JpegEncoder _encoder = new(Quality, ChromaSubsampling.S420);
    private byte[] _bgr = [];

    /// <summary>The height a frame of this size has at <paramref name="width"/>, its aspect kept (at least 1).</summary>
    public static int HeightAt(int width, int sourceWidth, int sourceHeight) => Math.Max(1, (int)Math.Round((double)sourceHeight * width / sourceWidth));

    public SharedJpeg Scale(SharedJpeg full, int width)
    {
        JpegInfo info = JpegInfo.Read(full.Bytes.Span);
        int height = HeightAt(width, info.Width, info.Height);
        var spec = new TensorSpec(width, height) { Fit = TensorFit.Stretch, Element = TensorElement.UInt8, Layout = TensorLayout.Hwc, Order = ChannelOrder.Bgr };
        if (_bgr.Length < spec.ByteCount)
        {
            _bgr = GC.AllocateUninitializedArray<byte>(spec.ByteCount);
        }

        _scaler.Convert(Codec.Jpeg, info.Components == 1 ? PixelFormat.Gray8 : PixelFormat.Bgr24, info.Width, info.Height, 0, full.Bytes.Span, spec, _bgr);
        FrameInfo shown = full.Header with { Codec = Codec.Jpeg, PixelFormat = PixelFormat.Bgr24, Width = width, Height = height };
        return SharedJpeg.Create(JpegEncoder.MaxEncodedSize(width, height, ChromaSubsampling.S420), full.Version, shown,
            buffer => _encoder.Encode(_bgr.AsSpan(0, spec.ByteCount), width, height, width * 3, buffer), full.Metadata);
    }

    public void Dispose()
    {
        _scaler.Dispose();
        _encoder.Dispose();
    }
}
