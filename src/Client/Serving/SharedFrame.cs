using System.Buffers;
using RawFrames.Client;
using RawFrames.Protocol.Buffers;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Serving;

/// <summary>
/// One incoming frame as every subscriber shares it: copied once out of the publisher's buffer into pooled memory,
/// reference-counted, with each other codec a subscriber asked for made at most once (the first subscriber to need it
/// makes it; the others reuse it). The buffers go back to the pool when the last subscriber is done.
/// </summary>
internal sealed class SharedFrame
{
    private readonly IMemoryOwner<byte>? _owned; // a frame the publisher made and handed over
    private readonly PageBuffer? _pages;         // a copy of a published frame, from the server's buffers
    private readonly FrameBuffers? _buffers;
    private readonly int _payloadLength;
    private readonly Variant?[] _variants = new Variant?[(int)Codec.Bmp + 1];
    private readonly Lock _lock = new();
    private int _references = 1;
    private int _queues;

    private SharedFrame(FrameHeader header, byte[] metadata, IMemoryOwner<byte>? owned, PageBuffer? pages, FrameBuffers? buffers, int payloadLength)
    {
        Header = header;
        Metadata = metadata;
        (_owned, _pages, _buffers) = (owned, pages, buffers);
        _payloadLength = payloadLength;
        Payload = pages is not null ? pages.Memory[..payloadLength] : owned!.Memory[..payloadLength];
    }

    public FrameHeader Header { get; }

    public byte[] Metadata { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>What the frame holds while it waits in a queue, as <see cref="QueueBudget"/> counts it.</summary>
    public long Size => _payloadLength + Metadata.Length;

    /// <summary>A copy of a frame's header, metadata and payload in a buffer from <paramref name="buffers"/>; the caller holds the first reference.</summary>
    public static SharedFrame Copy(FrameHeader header, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> payload, FrameBuffers buffers)
    {
        PageBuffer copy = buffers.Rent(payload.Length);
        payload.CopyTo(copy.GetSpan());
        return new SharedFrame(header, metadata.IsEmpty ? [] : metadata.ToArray(), null, copy, buffers, payload.Length);
    }

    /// <summary>A frame the publisher made (a batch of model inputs) in memory it hands over; the caller holds the first reference.</summary>
    public static SharedFrame Adopt(FrameHeader header, byte[] metadata, IMemoryOwner<byte> payload, int payloadLength) =>
        new(header, metadata, payload, null, null, payloadLength);

    /// <summary>Waiting in some subscriber's queue: its bytes already count in the budget.</summary>
    public bool IsQueued => Volatile.Read(ref _queues) > 0;

    /// <summary>The frame entered a subscriber's queue: the first queue counts its bytes in <paramref name="budget"/>.</summary>
    public void EnterQueue(QueueBudget budget)
    {
        if (Interlocked.Increment(ref _queues) == 1)
        {
            budget.Add(Size);
        }
    }

    /// <summary>The frame left a subscriber's queue (sent or dropped): the last queue takes its bytes off <paramref name="budget"/>.</summary>
    public void LeaveQueue(QueueBudget budget)
    {
        if (Interlocked.Decrement(ref _queues) == 0)
        {
            budget.Add(-Size);
        }
    }

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

        if (_pages is not null)
        {
            _buffers!.Return(_pages);
        }
        else
        {
            _owned!.Dispose();
        }

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
