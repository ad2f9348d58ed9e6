using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Receiving;

/// <summary>Any frame as packed BGR24: decoded with the receiver's codec pool, or converted from its raw layout.</summary>
internal static class FramePixels
{
    /// <summary>Bytes of packed BGR24 for a frame of this size.</summary>
    public static int BgrLength(in FrameHeader header) => checked(header.Width * 3 * header.Height);

    public static void ToBgr(in FrameHeader header, ReadOnlySpan<byte> payload, Span<byte> bgr, CodecPool codecs)
    {
        if (bgr.Length < BgrLength(header))
        {
            throw new ArgumentException($"{bgr.Length} bytes are fewer than {header.Width}x{header.Height} BGR24 pixels need ({BgrLength(header)})", nameof(bgr));
        }

        if (header.Codec == Codec.Raw)
        {
            ColorConversion.ToPackedBgr(header.PixelFormat, header.Width, header.Height, header.Stride, payload, bgr);
            return;
        }

        using CodecPool.Lease<IFrameDecoder> decoder = codecs.RentDecoder(header.Codec, DecodeTarget.Bgr);
        decoder.Codec.Decode(payload, header.Width, header.Height, bgr[..BgrLength(header)]);
    }
}
