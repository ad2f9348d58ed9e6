using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Viewer;

/// <summary>
/// Turns a frame into the JPEG a browser shows: JPEG and YUV-JPEG payloads are JPEG already (copied, not
/// re-encoded); raw BGR24 and J420 frames are encoded, PNG and BMP decoded (with a decoder from the run's pool) and
/// encoded. One per stream, used by one encode at a time.
/// </summary>
public sealed class FrameToJpeg(CodecPool codecs) : IDisposable
{
    private const int Quality = 80;

    private JpegEncoder? _jpeg;
    private YuvJpegEncoder? _yuv;
    private byte[] _bgr = [];

    public static bool IsJpeg(in FrameInfo header) => header.Codec is Codec.Jpeg or Codec.YuvJpeg;

    /// <summary>Null when the frame can be shown; otherwise why not.</summary>
    public static string? WhyNot(in FrameInfo header) => header.Codec switch
    {
        Codec.Jpeg or Codec.YuvJpeg or Codec.Png or Codec.Bmp => null,
        Codec.Raw when header.PixelFormat is PixelFormat.Bgr24 or PixelFormat.J420 => null,
        _ => $"{header.Codec} {header.PixelFormat} frames are not shown (raw BGR24 and J420, JPEG, YUV-JPEG, PNG and BMP are)",
    };

    public static int MaxSize(in FrameInfo header) => JpegEncoder.MaxEncodedSize(header.Width, header.Height, ChromaSubsampling.S420);

    /// <summary>Encodes <paramref name="payload"/> (not a JPEG) into <paramref name="destination"/>; returns the JPEG's length.</summary>
    public int Encode(in FrameInfo header, ReadOnlySpan<byte> payload, byte[] destination)
    {
        (int width, int height) = (header.Width, header.Height);
        if (header.Codec == Codec.Raw && header.PixelFormat == PixelFormat.J420)
        {
            _yuv ??= new YuvJpegEncoder(Quality);
            return _yuv.EncodeJ420(payload, width, height, header.Stride, destination);
        }

        _jpeg ??= new JpegEncoder(Quality, ChromaSubsampling.S420);
        if (header.Codec == Codec.Raw)
        {
            return _jpeg.Encode(payload, width, height, header.Stride, destination);
        }

        using CodecPool.Lease<IFrameDecoder> decoder = codecs.RentDecoder(header.Codec, DecodeTarget.Bgr);
        int size = decoder.Codec.OutputSize(width, height);
        if (_bgr.Length < size)
        {
            _bgr = GC.AllocateUninitializedArray<byte>(size);
        }

        decoder.Codec.Decode(payload, width, height, _bgr.AsSpan(0, size));
        return _jpeg.Encode(_bgr.AsSpan(0, size), width, height, width * 3, destination);
    }

    public void Dispose()
    {
        _jpeg?.Dispose();
        _yuv?.Dispose();
    }
}
