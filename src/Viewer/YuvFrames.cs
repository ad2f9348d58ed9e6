using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Viewer;

/// <summary>
/// /frames/ID?format=yuv, for a page on the same host that draws with WebGL: each shown JPEG decoded here to J420
/// planes (PROTOCOL.md §7.1, stride = width) and sent as a raw FRAME, so the browser decodes nothing and converts
/// YUV to RGB on the GPU (or in its software renderer). A JPEG that is not 4:2:0 goes as it is. One per viewer.
/// </summary>
internal sealed class YuvFrames : IDisposable
{
    private readonly JpegDecoder _decoder = new();
    private byte[] _planes = [];

    /// <summary>The FRAME message for <paramref name="jpeg"/>, written into <paramref name="message"/> (grown when needed); its length.</summary>
    public int Write(SharedJpeg jpeg, ref byte[] message)
    {
        FrameHeader shown = jpeg.Header;
        (int width, int height, ChromaSubsampling? subsampling) = _decoder.ReadHeader(jpeg.Bytes.Span);
        if (subsampling != ChromaSubsampling.S420)
        {
            return WriteAsIs(jpeg, ref message);
        }

        int size = (int)PixelLayout.RawPayloadSize(PixelFormat.J420, width, height, width);
        if (_planes.Length < size)
        {
            _planes = GC.AllocateUninitializedArray<byte>(size);
        }

        _decoder.DecodeToJ420(jpeg.Bytes.Span, _planes.AsSpan(0, size), width, height);
        FrameHeader raw = shown with { Codec = Codec.Raw, PixelFormat = PixelFormat.J420, Width = width, Height = height, Stride = width };
        Grow(ref message, FrameMessage.Length(raw with { MetadataLength = jpeg.Metadata.Length }, size));
        return FrameMessage.Write(message, raw, jpeg.Metadata, _planes.AsSpan(0, size));
    }

    /// <summary>The JPEG as it is (what /frames/ID sends by default).</summary>
    public static int WriteAsIs(SharedJpeg jpeg, ref byte[] message)
    {
        Grow(ref message, FrameMessage.Length(jpeg.Header, jpeg.Length));
        return FrameMessage.Write(message, jpeg.Header, jpeg.Metadata, jpeg.Bytes.Span);
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
