using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>
/// The <see cref="PipeReader"/> loop around <see cref="MessageParser"/>. Several messages that arrived in one read
/// are returned one by one without another read; a message is valid until the next call.
/// </summary>
public sealed class MessageReader
{
    private readonly PipeReader _input;
    private ReadOnlySequence<byte> _buffer;
    private SequencePosition _consumed;
    private bool _holdingBuffer;
    private bool _inputCompleted;
    private long _lastReceived = System.Diagnostics.Stopwatch.GetTimestamp();
    private (long Buffered, uint? Length) _partialAtLastRead;

    public MessageReader(PipeReader input, int maxMessageLength = ProtocolConstants.DefaultMaxMessageLength)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageLength, ProtocolConstants.MinMaxMessageLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessageLength, ProtocolConstants.MaxMaxMessageLength);
        _input = input;
        MaxMessageLength = maxMessageLength;
    }

    /// <summary>The largest length prefix accepted; larger ones are rejected before their payload is read.</summary>
    public int MaxMessageLength { get; }

    /// <summary>When bytes last arrived (or the reader was made), as a <see cref="System.Diagnostics.Stopwatch"/> timestamp: a frame still arriving counts.</summary>
    public long LastReceivedTimestamp => Volatile.Read(ref _lastReceived);

    /// <summary>Reads the peer's preamble (PROTOCOL.md §2).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Preamble> ReadPreambleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_holdingBuffer)
            {
                ReadOnlySequence<byte> remaining = _buffer.Slice(_consumed);
                if (MessageParser.TryReadPreamble(remaining, out Preamble preamble, out SequencePosition end))
                {
                    _consumed = end;
                    return preamble;
                }

                if (_inputCompleted)
                {
                    throw new ProtocolException(ErrorCode.TruncatedStream,
                        $"connection closed after {remaining.Length} of the {Preamble.Size} preamble bytes");
                }
            }

            await FillAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Reads the next message. Returns a message of type <see cref="MessageType.None"/> when the peer closed the
    /// connection between messages; throws <see cref="ProtocolException"/> for bad input or a close inside a message.
    /// The returned message's slices are valid until the next call.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Message> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_holdingBuffer)
            {
                ReadOnlySequence<byte> remaining = _buffer.Slice(_consumed);
                if (MessageParser.TryReadMessage(remaining, MaxMessageLength, out Message message, out SequencePosition end))
                {
                    _consumed = end;
                    return message;
                }

                if (_inputCompleted)
                {
                    if (remaining.IsEmpty)
                    {
                        return default;
                    }

                    throw new ProtocolException(ErrorCode.TruncatedStream, DescribeTruncation(remaining));
                }
            }

            await FillAsync(cancellationToken);
        }
    }

    /// <summary>
    /// What is buffered of a message that has not fully arrived, e.g. "4 of its 60 bytes arrived", or null when the
    /// stream stands between two messages: for reporting a connection lost in the middle of a message.
    /// </summary>
    public string? DescribePartialMessage()
    {
        (long buffered, uint? length) = _holdingBuffer ? Partial(_buffer.Slice(_consumed)) : _partialAtLastRead;
        return buffered == 0 ? null
            : length is { } total ? $"a message: {buffered - 4} of its {total} bytes arrived"
            : $"a length prefix: {buffered} of 4 bytes arrived";
    }

    private static (long Buffered, uint? Length) Partial(ReadOnlySequence<byte> remaining)
    {
        if (remaining.Length < 4)
        {
            return (remaining.Length, null);
        }

        Span<byte> prefix = stackalloc byte[4];
        remaining.Slice(0, 4).CopyTo(prefix);
        return (remaining.Length, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(prefix));
    }

    /// <summary>Releases the buffer held for the last message and completes the input.</summary>
    public void Complete(Exception? exception = null)
    {
        if (_holdingBuffer)
        {
            _holdingBuffer = false;
            _input.AdvanceTo(_consumed);
        }

        _input.Complete(exception);
    }

    // PROTOCOL.md §3: one AdvanceTo per read. Everything up to _consumed was handed out and is done with; the rest was
    // examined and found incomplete, so the next read waits for new bytes instead of returning the same ones.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_holdingBuffer)
        {
            // Remembered for a read that fails (a reset): the bytes stay in the pipe, out of reach.
            _partialAtLastRead = Partial(_buffer.Slice(_consumed));
            _holdingBuffer = false;
            _input.AdvanceTo(_consumed, _buffer.End);
        }

        ReadResult result = await _input.ReadAsync(cancellationToken);
        Volatile.Write(ref _lastReceived, System.Diagnostics.Stopwatch.GetTimestamp());
        _buffer = result.Buffer;
        _consumed = _buffer.Start;
        _holdingBuffer = true;
        _inputCompleted = result.IsCompleted;
        if (result.IsCanceled)
        {
            // CancelPendingRead: nothing is lost; the next read continues where this one stopped.
            throw new OperationCanceledException("the read was cancelled");
        }
    }

    private static string DescribeTruncation(ReadOnlySequence<byte> remaining)
    {
        if (remaining.Length < 4)
        {
            return $"connection closed inside a length prefix ({remaining.Length} of 4 bytes)";
        }

        Span<byte> prefix = stackalloc byte[4];
        remaining.Slice(0, 4).CopyTo(prefix);
        uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        return $"connection closed inside a message: {remaining.Length - 4} of its {length} bytes arrived";
    }
}
