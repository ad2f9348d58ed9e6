using System.Buffers;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Serving;

/// <summary>
/// The server's conversions between codecs, with codecs from its pool, and how many frames each codec made: the
/// proof that a frame is encoded at most once per codec however many subscribers want it.
/// </summary>
internal sealed class Transcoder(CodecPool codecs)
{
    private readonly long[] _encoded = new long[(int)Codec.Bmp + 1];
    private long _decoded;
    private long _failed;

    /// <summary>Frames made per codec (<see cref="Codec.Raw"/> counts frames decoded to BGR24).</summary>
    public IReadOnlyDictionary<Codec, long> Made()
    {
        var made = new SortedDictionary<Codec, long>();
        for (int codec = 0; codec < _encoded.Length; codec++)
        {
            long count = codec == (int)Codec.Raw ? Interlocked.Read(ref _decoded) : Interlocked.Read(ref _encoded[codec]);
            if (count > 0)
            {
                made[(Codec)codec] = count;
            }
        }

        return made;
    }

    /// <summary>Frames that could not be converted (corrupt, or a pixel format with no BGR path) and went as they came.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public SharedFrame.Variant DecodeToBgr(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.Codec == Codec.Raw)
        {
            Interlocked.Increment(ref _failed); // raw in another pixel format: sent as it is
            return SharedFrame.Variant.Unavailable(header);
        }

        using CodecPool.Lease<IFrameDecoder> decoder = codecs.RentDecoder(header.Codec, DecodeTarget.Bgr);
        int size = decoder.Codec.OutputSize(header.Width, header.Height);
        byte[] output = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            decoder.Codec.Decode(payload, header.Width, header.Height, output.AsSpan(0, size));
            Interlocked.Increment(ref _decoded);
            return new SharedFrame.Variant(
                FrameHeader.ForRaw(PixelFormat.Bgr24, header.Width, header.Height, 0, header.StreamId, header.Sequence, header.TimestampNs)
                    with { Flags = header.Flags },
                output, size);
        }
        catch (CorruptFrameException)
        {
            ArrayPool<byte>.Shared.Return(output);
            Interlocked.Increment(ref _failed);
            return SharedFrame.Variant.Unavailable(header);
        }
    }

    public SharedFrame.Variant Encode(Codec codec, FrameHeader header, ReadOnlySpan<byte> bgr, int stride)
    {
        using CodecPool.Lease<IFrameEncoder> encoder = codecs.RentEncoder(codec);
        byte[] output = ArrayPool<byte>.Shared.Rent(encoder.Codec.MaxEncodedSize(header.Width, header.Height));
        try
        {
            int length = encoder.Codec.Encode(bgr, header.Width, header.Height, stride, output);
            Interlocked.Increment(ref _encoded[(int)codec]);
            return new SharedFrame.Variant(header with { Codec = codec, PixelFormat = encoder.Codec.PayloadPixelFormat, Stride = 0 }, output, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(output);
            throw;
        }
    }
}
