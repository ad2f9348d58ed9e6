using RawFrames.Codecs;

namespace RawFrames.Client.Sending;

/// <summary>
/// A sender's encoder for its options' codec, made at the first frame and reused, with an output buffer that grows to
/// the largest frame. Used under the sender's lock, one frame at a time.
/// </summary>
internal sealed class SenderEncoder(Codec codec, EncoderSettings settings) : IDisposable
{
    private readonly IFrameEncoder _encoder = FrameCodecs.CreateEncoder(codec, settings);
    private byte[] _encoded = [];

    /// <summary>Encodes one frame; returns what the payload decodes to and the payload, valid until the next call.</summary>
    /// <exception cref="NotSupportedException">The codec is not encoded from this pixel format.</exception>
    public (PixelFormat EncodedFrom, ReadOnlyMemory<byte> Payload) Encode(ReadOnlySpan<byte> pixels, FrameFormat format)
    {
        int needed = _encoder.MaxEncodedSize(format.Width, format.Height);
        if (_encoded.Length < needed)
        {
            _encoded = GC.AllocateUninitializedArray<byte>(needed);
        }

        int length = format.PixelFormat switch
        {
            PixelFormat.Bgr24 => _encoder.Encode(pixels, format.Width, format.Height, format.Stride, _encoded),
            PixelFormat.J420 when _encoder is YuvJpegEncoder yuv => yuv.EncodeJ420(pixels, format.Width, format.Height, format.Stride, _encoded),
            _ => throw new NotSupportedException($"{codec} is encoded from BGR24 (YUV-JPEG also from J420), not {format.PixelFormat}: send it raw, or convert it first"),
        };
        return (_encoder.PayloadPixelFormat, _encoded.AsMemory(0, length));
    }

    public void Dispose() => _encoder.Dispose();
}
