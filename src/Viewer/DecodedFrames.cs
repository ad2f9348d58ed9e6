using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Viewer;

/// <summary>
/// /frames/ID?format=yuv|bgra, for a page on the receiver's host: each shown JPEG decoded here and sent as a raw FRAME,
/// so the browser decodes nothing. <c>yuv</c>: J420 planes (PROTOCOL.md §7.1, stride = width) that WebGL converts to
/// RGB; a JPEG that is not 4:2:0 goes as it is. <c>bgra</c>: BGRA32 pixels (stride = width·4) a 2d canvas takes with
/// putImageData after swapping B and R in place. One per viewer.
/// </summary>
public sealed class DecodedFrames : IDisposable
{
    private readonly JpegDecoder _decoder = new();
    private readonly PixelFormat _format;
    private byte[] _pixels = [];

    private DecodedFrames(PixelFormat format) => _format = format;

    /// <summary>The frames a viewer asked for with <c>?format=</c>: null for JPEG as it is (the default), or for a
    /// format other than yuv or bgra, which <paramref name="refused"/> then says in words.</summary>
    public static DecodedFrames? For(string? format, out string? refused)
    {
        refused = null;
        switch (format)
        {
            case null or "" or "jpeg":
                return null;
            case "yuv":
                return new DecodedFrames(PixelFormat.J420);
            case "bgra":
                return new DecodedFrames(PixelFormat.Bgra32);
            default:
                refused = $"format={format}: frames come as jpeg (the default), yuv (J420 planes) or bgra (BGRA32 pixels)";
                return null;
        }
    }

    /// <summary>The FRAME message for <paramref name="jpeg"/>, written into <paramref name="message"/> (grown when needed); its length.</summary>
    public int Write(SharedJpeg jpeg, ref byte[] message)
    {
        (int width, int height, ChromaSubsampling? subsampling) = _decoder.ReadHeader(jpeg.Bytes.Span);
        if (_format == PixelFormat.J420 && subsampling != ChromaSubsampling.S420)
        {
            return WriteAsIs(jpeg, ref message);
        }

        int stride = _format == PixelFormat.Bgra32 ? width * 4 : width;
        int size = checked((int)new FrameFormat(_format, width, height, stride).PayloadLength);
        if (_pixels.Length < size)
        {
            _pixels = GC.AllocateUninitializedArray<byte>(size);
        }

        Span<byte> pixels = _pixels.AsSpan(0, size);
        if (_format == PixelFormat.Bgra32)
        {
            _decoder.DecodeToBgra(jpeg.Bytes.Span, pixels, width, height, stride);
        }
        else
        {
            _decoder.DecodeToJ420(jpeg.Bytes.Span, pixels, width, height);
        }

        FrameInfo raw = jpeg.Header with { Codec = Codec.Raw, PixelFormat = _format, Width = width, Height = height, Stride = stride };
        Grow(ref message, checked((int)ProtocolMessages.FrameLength(jpeg.Metadata.Length, size)));
        return ProtocolMessages.WriteFrame(message, raw, jpeg.Metadata, pixels);
    }

    /// <summary>The JPEG as it is (what /frames/ID sends by default).</summary>
    public static int WriteAsIs(SharedJpeg jpeg, ref byte[] message)
    {
        Grow(ref message, checked((int)ProtocolMessages.FrameLength(jpeg.Metadata.Length, jpeg.Length)));
        return ProtocolMessages.WriteFrame(message, jpeg.Header, jpeg.Metadata, jpeg.Bytes.Span);
    }

    public void Dispose() => _decoder.Dispose();

    private static void Grow(ref byte[] message, int length)
    {
        if (message.Length < length)
        {
            message = new byte[length];
        }
    }
}
