using System.Buffers.Binary;
using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>
/// Reads PROTOCOL.md messages into contiguous memory. Bytes arrive in a read-ahead window; a message that fits in it
/// is parsed in place. A larger one (a frame) gets a body buffer of its own: the part already in the window is moved
/// there, and the rest is read straight into place, so a payload is one block that nothing else copied. Every check
/// is <see cref="MessageParser"/>'s, run on each unit as soon as it is whole (PROTOCOL.md §3.2). A message is valid
/// until the next read.
/// </summary>
internal sealed class MessageInput
{
    /// <summary>The read-ahead window: holds any control message and small frames whole.</summary>
    public const int WindowSize = 64 * 1024;

    // A FRAME's header and a SHARED_FRAME's fixed part are judged before a large body is read (§3.2 units).
    private const int LargeHeadUnit = MessageHeader.Size + FrameHeader.Size + SlotReference.Size;

    private readonly ByteSource _source;
    private readonly byte[] _window = GC.AllocateUninitializedArray<byte>(WindowSize);
    private int _start;
    private int _end;
    private bool _ended;
    private byte[] _body = [];
    private (long Arrived, long Length) _large; // a large message being read into _body
    private long _lastReceived = Stopwatch.GetTimestamp();

    public MessageInput(ByteSource source, int maxMessageLength = ProtocolConstants.DefaultMaxMessageLength)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageLength, ProtocolConstants.MinMaxMessageLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessageLength, ProtocolConstants.MaxMaxMessageLength);
        _source = source;
        MaxMessageLength = maxMessageLength;
    }

    /// <summary>The largest length prefix accepted; larger ones are rejected before their body is read.</summary>
    public int MaxMessageLength { get; }

    /// <summary>Model inputs were negotiated in HELLO (PROTOCOL.md §7.2): frames may carry pixel formats 8-13 and the batch flag. Set once the opening is done.</summary>
    public bool ModelInputs { get; set; }

    /// <summary>When bytes last arrived (or the input was made), as a <see cref="Stopwatch"/> timestamp: a frame still arriving counts.</summary>
    public long LastReceivedTimestamp => Volatile.Read(ref _lastReceived);

    /// <summary>Reads the peer's preamble (PROTOCOL.md §2).</summary>
    public async ValueTask<Preamble> ReadPreambleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (MessageParser.TryReadPreamble(Window, out Preamble preamble, out _))
            {
                _start += Preamble.Size;
                return preamble;
            }

            if (_ended)
            {
                throw new ProtocolException(ErrorCode.TruncatedStream, $"connection closed after {_end - _start} of the {Preamble.Size} preamble bytes");
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the next message: one of type <see cref="MessageType.None"/> when the peer closed the connection between
    /// messages; <see cref="ProtocolException"/> for bad input or a close inside a message. Valid until the next call.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Message> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ReadOnlySequence<byte> window = Window;
            if (MessageParser.TryReadMessage(window, MaxMessageLength, out Message message, out SequencePosition end, ModelInputs))
            {
                _start += (int)window.Slice(0, end).Length;
                return message;
            }

            long total = _end - _start >= 4 ? 4L + BinaryPrimitives.ReadUInt32LittleEndian(_window.AsSpan(_start)) : 0;
            if (total > WindowSize && _end - _start >= Math.Min(LargeHeadUnit, total))
            {
                // Checked as far as the window allows (the head units of §3.2): the body goes straight into place.
                return await ReadLargeAsync(total, cancellationToken).ConfigureAwait(false);
            }

            if (_ended)
            {
                return _start == _end ? default : throw new ProtocolException(ErrorCode.TruncatedStream, DescribeTruncation());
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What has arrived of a message that did not arrive whole, e.g. "a message: 4 of its 60 bytes arrived", or null
    /// between messages: for reporting a connection lost in the middle of a message.
    /// </summary>
    public string? DescribePartialMessage()
    {
        if (_large.Length > 0)
        {
            return $"a message: {_large.Arrived - 4} of its {_large.Length - 4} bytes arrived";
        }

        int buffered = _end - _start;
        return buffered == 0 ? null
            : buffered < 4 ? $"a length prefix: {buffered} of 4 bytes arrived"
            : $"a message: {buffered - 4} of its {BinaryPrimitives.ReadUInt32LittleEndian(_window.AsSpan(_start))} bytes arrived";
    }

    private ReadOnlySequence<byte> Window => new(_window, _start, _end - _start);

    // The whole message, in a buffer of its own: what the window holds of it, then the rest read into place.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Message> ReadLargeAsync(long total, CancellationToken cancellationToken)
    {
        if (_body.Length < total)
        {
            // Compressed frames vary in size: the next power of two, so a stream stops growing the buffer at once.
            _body = GC.AllocateUninitializedArray<byte>((int)Math.Min((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)total), 4L + MaxMessageLength));
        }

        int arrived = _end - _start;
        _window.AsSpan(_start, arrived).CopyTo(_body);
        _start = _end = 0;
        _large = (arrived, total);
        while (arrived < total)
        {
            int read = await _source.ReadAsync(_body.AsMemory(arrived, (int)total - arrived), (int)total - arrived, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _lastReceived, Stopwatch.GetTimestamp());
            if (read == 0)
            {
                _ended = true;
                throw new ProtocolException(ErrorCode.TruncatedStream, $"connection closed inside a message: {arrived - 4} of its {total - 4} bytes arrived");
            }

            arrived += read;
            _large.Arrived = arrived;
        }

        _large = default;
        if (!MessageParser.TryReadMessage(new ReadOnlySequence<byte>(_body, 0, (int)total), MaxMessageLength, out Message message, out _, ModelInputs))
        {
            throw new UnreachableException("a whole message was not parsed");
        }

        return message;
    }

    // More bytes into the window, after what is unread; the unread bytes move to the front when the tail is short.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (WindowSize - _end < WindowSize / 4)
        {
            _window.AsSpan(_start, _end - _start).CopyTo(_window);
            (_start, _end) = (0, _end - _start);
        }

        int read = await _source.ReadAsync(_window.AsMemory(_end), 1, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastReceived, Stopwatch.GetTimestamp());
        _end += read;
        _ended |= read == 0;
    }

    private string DescribeTruncation()
    {
        int buffered = _end - _start;
        return buffered < 4
            ? $"connection closed inside a length prefix ({buffered} of 4 bytes)"
            : $"connection closed inside a message: {buffered - 4} of its {BinaryPrimitives.ReadUInt32LittleEndian(_window.AsSpan(_start))} bytes arrived";
    }
}
