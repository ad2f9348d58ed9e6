using System.Buffers;
using RawFrames.Protocol;
using RawFrames.Protocol.Wire;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// One incoming frame as every subscriber shares it: copied once out of the connection's buffer into pooled memory,
/// reference-counted, with each other codec a subscriber asked for made at most once (the first subscriber to need it
/// makes it; the others reuse it). The buffers go back to the pool when the last subscriber is done.
/// </summary>
internal sealed class RelayFrame
{
    private readonly byte[] _payload;
    private readonly int _payloadLength;
    private readonly Variant?[] _variants = new Variant?[(int)Codec.Bmp + 1];
    private readonly Lock _lock = new();
    private int _references = 1;

    private RelayFrame(FrameHeader header, byte[] metadata, byte[] payload, int payloadLength)
    {
        Header = header;
        Metadata = metadata;
        _payload = payload;
        _payloadLength = payloadLength;
    }

    public FrameHeader Header { get; }

    public byte[] Metadata { get; }

    public ReadOnlyMemory<byte> Payload => _payload.AsMemory(0, _payloadLength);

    /// <summary>A copy of a frame's header, metadata and payload; the caller holds the first reference.</summary>
    public static RelayFrame Copy(FrameHeader header, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> payload)
    {
        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(copy);
        return new RelayFrame(header, metadata.IsEmpty ? [] : metadata.ToArray(), copy, payload.Length);
    }

    /// <summary>A frame made by the relay itself (a batch of model inputs) in a buffer rented from the shared pool, which it now owns.</summary>
    public static RelayFrame Adopt(FrameHeader header, byte[] metadata, byte[] pooledPayload, int payloadLength) =>
        new(header, metadata, pooledPayload, payloadLength);

    /// <summary>References still held (the hub's, and one per queue or sender holding the frame).</summary>
    public int References => Volatile.Read(ref _references);

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left > 0)
        {
            return;
        }

        ArrayPool<byte>.Shared.Return(_payload);
        foreach (Variant? variant in _variants)
        {
            if (variant?.Buffer is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// This frame in <paramref name="codec"/> (null: as it came), made on first request with <paramref name="transcoder"/>;
    /// as it came when it cannot be converted. Valid while the caller holds a reference.
    /// </summary>
    public (FrameHeader Header, ReadOnlyMemory<byte> Payload) As(Codec? codec, Transcoder transcoder)
    {
        if (codec is not { } wanted || wanted == Header.Codec && (wanted != Codec.Raw || Header.PixelFormat == PixelFormat.Bgr24))
        {
            return (Header, Payload);
        }

        lock (_lock)
        {
            Variant variant = _variants[(int)wanted] ??= Make(wanted, transcoder);
            return variant.Buffer is null ? (Header, Payload) : (variant.Header, variant.Buffer.AsMemory(0, variant.Length));
        }
    }

    // Under _lock. Compressed codecs are made from packed BGR24, itself decoded once when the frame came compressed.
    private Variant Make(Codec wanted, Transcoder transcoder)
    {
        ReadOnlyMemory<byte> bgr;
        int stride;
        if (Header.Codec == Codec.Raw && Header.PixelFormat == PixelFormat.Bgr24)
        {
            (bgr, stride) = (Payload, Header.Stride);
        }
        else
        {
            Variant decoded = _variants[(int)Codec.Raw] ??= transcoder.DecodeToBgr(Header, Payload.Span);
            if (decoded.Buffer is null)
            {
                return decoded;
            }

            (bgr, stride) = (decoded.Buffer.AsMemory(0, decoded.Length), Header.Width * 3);
            if (wanted == Codec.Raw)
            {
                return decoded;
            }
        }

        return transcoder.Encode(wanted, Header, bgr.Span, stride);
    }

    /// <summary>The frame in another codec: its header, and a pooled buffer (null when it could not be made).</summary>
    internal sealed record Variant(FrameHeader Header, byte[]? Buffer, int Length)
    {
        public static Variant Unavailable(FrameHeader header) => new(header, null, 0);
    }
}
