using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// Payload to BGR24 for any codec, with one decoder per codec per thread (codec handles are not thread-safe, and
/// creating one per frame would cost more than small frames take to decode).
/// </summary>
internal static class FrameDecoding
{
    [ThreadStatic]
    private static Dictionary<Codec, IFrameDecoder>? t_decoders;

    /// <summary>Bytes of packed BGR24 for a frame of this size.</summary>
    public static int BgrSize(in FrameHeader header) => checked(header.Width * 3 * header.Height);

    /// <summary>Decodes (or, for raw BGR24, copies without the row padding) into <paramref name="bgr"/>, packed.</summary>
    public static void DecodeBgr(in FrameHeader header, ReadOnlySpan<byte> payload, Span<byte> bgr)
    {
        int rowBytes = header.Width * 3;
        if (header.Codec == Codec.Raw)
        {
            if (header.PixelFormat != PixelFormat.Bgr24)
            {
                throw new NotSupportedException($"raw {header.PixelFormat} frames are not converted to BGR here; read Payload");
            }

            for (int row = 0; row < header.Height; row++)
            {
                payload.Slice(row * header.Stride, rowBytes).CopyTo(bgr[(row * rowBytes)..]);
            }

            return;
        }

        t_decoders ??= [];
        if (!t_decoders.TryGetValue(header.Codec, out IFrameDecoder? decoder))
        {
            t_decoders[header.Codec] = decoder = FrameCodecs.CreateDecoder(header.Codec, DecodeTarget.Bgr);
        }

        decoder.Decode(payload, header.Width, header.Height, bgr[..BgrSize(header)]);
    }
}
