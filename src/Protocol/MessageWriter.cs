using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>
/// Writes PROTOCOL.md messages to a <see cref="PipeWriter"/>. Safe for concurrent callers (one message at a time);
/// awaiting a write is the backpressure.
/// </summary>
/// <remarks>
/// Cancellation stops a write that is waiting for its turn. A message whose bytes have started to go out is never
/// left half-written on a connection that goes on: it is completed, and when a cancelled write has not finished
/// <see cref="CancelledWriteGrace"/> later (the peer stopped reading), <see cref="CutOff"/> is called to close the
/// connection, which fails the write. Either the whole message is sent or the connection ends.
/// </remarks>
// SemaphoreSlim needs disposing only once its wait handle is used, which this class never does.
#pragma warning disable CA1001
internal sealed partial class MessageWriter
#pragma warning restore CA1001
{
    // Above this a payload is handed to the writer as it is: a stream-backed PipeWriter sends it straight from the
    // caller's memory after the buffered header, instead of copying megabytes into its own buffers first.
    private const int DirectWriteThreshold = 64 * 1024;

    private readonly PipeWriter _output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private bool _endWritten; // guarded by _writeLock
    private bool _completed; // guarded by _writeLock
    private long _writing; // the number of the message being written; 0 between messages
    private long _messages;
    private long _cutAfterGrace; // the message a cancellation asked to cut if it is still being written after the grace
    private Timer? _graceTimer;

    public MessageWriter(PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>How long a message whose write was cancelled may still take before the connection is cut.</summary>
    public static TimeSpan CancelledWriteGrace { get; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Closes the connection under a write that cannot finish (e.g. shuts the socket down); called at most once per
    /// cancelled write, <see cref="CancelledWriteGrace"/> after the cancellation. Null: cancelled writes just wait.
    /// </summary>
    public Action? CutOff { get; set; }

    /// <summary>The peer's limit from its HELLO; larger messages are refused here instead of by the peer.</summary>
    public int PeerMaxMessageLength { get; set; } = ProtocolConstants.DefaultMaxMessageLength;

    /// <summary>Model inputs were negotiated (PROTOCOL.md §7.2); otherwise a frame with pixel formats 8-13 or the batch flag is refused before it is written.</summary>
    public bool ModelInputs { get; set; }

    /// <summary>Writes the preamble and HELLO that open this side of a connection (PROTOCOL.md §2, §5).</summary>
    public ValueTask WriteOpeningAsync(Hello hello, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hello);
        return WriteSmallAsync(MessageType.Hello, hello.BodySize, hello, static (body, h) => h.WriteTo(body), cancellationToken, withPreamble: true);
    }

    /// <summary>
    /// Writes a FRAME. <paramref name="header"/>'s metadata length is taken from <paramref name="metadata"/>. The
    /// frame is checked with the same rules a receiver applies, so a bad frame fails here with
    /// <see cref="ArgumentException"/> rather than at the peer. The memory may be reused once the returned task ends.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteFrameAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        header = header with { MetadataLength = metadata.Length };
        long bodyLength = (long)header.PayloadOffset + payload.Length;
        if (bodyLength + ProtocolConstants.LengthCoveredHeaderSize > PeerMaxMessageLength)
        {
            throw new ArgumentException(
                $"frame message of {bodyLength + ProtocolConstants.LengthCoveredHeaderSize} bytes exceeds the peer's maximum {PeerMaxMessageLength}",
                nameof(payload));
        }

        // Large payloads: the head of the payload rides in the same buffer as the header, so the first send is a
        // full-sized one rather than a 48-byte segment of its own, and the rest goes out from the caller's memory.
        int inline = payload.Length >= DirectWriteThreshold ? DirectWriteThreshold - MessageHeader.Size - header.PayloadOffset : payload.Length;
        inline = Math.Max(0, inline);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        CancellationTokenRegistration watch = default;
        try
        {
            ThrowIfCompleted();
            watch = StartMessage(cancellationToken);
            BufferFrameHead(header, metadata.Span, payload.Span[..inline], (int)bodyLength);
            FlushResult result = inline < payload.Length
                ? await _output.WriteAsync(payload[inline..], CancellationToken.None).ConfigureAwait(false)
                : await _output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            ThrowIfEnded(result);
        }
        finally
        {
            EndMessage(watch);
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Marks the output complete: the peer sees the connection end after what was written. Completing flushes what
    /// is still buffered (a write that was cancelled or failed); a peer that is gone by then loses only that. Takes
    /// the write lock, so it never runs beside a write; false when a write held it for all of <paramref name="wait"/>
    /// (then nothing was done: unblock the write, e.g. by shutting the socket down, and try again).
    /// </summary>
    public bool TryComplete(TimeSpan wait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wait, Timeout.InfiniteTimeSpan);
        if (!_writeLock.Wait(wait))
        {
            return false;
        }

        try
        {
            if (!_completed)
            {
                _completed = true;
                _graceTimer?.Dispose();
                _output.Complete();
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The connection is already broken; there is no one left to tell.
        }
        finally
        {
            _writeLock.Release();
        }

        return true;
    }

    /// <summary>Completes the output once no write is in progress (see <see cref="TryComplete"/>).</summary>
    public void Complete() => TryComplete(Timeout.InfiniteTimeSpan);

    // Under the write lock: a message starts going out. A cancellation from here on does not stop it (that would leave
    // half a message on the wire); it gives the write a grace period, after which the connection is cut.
    private CancellationTokenRegistration StartMessage(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _writing, ++_messages);
        return cancellationToken.CanBeCanceled && CutOff is not null
            ? cancellationToken.UnsafeRegister(static state => ((MessageWriter)state!).OnCancelledWhileWriting(), this)
            : default;
    }

    private void EndMessage(CancellationTokenRegistration watch)
    {
        Volatile.Write(ref _writing, 0);
        watch.Dispose();
        _graceTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void OnCancelledWhileWriting()
    {
        long message = Volatile.Read(ref _writing);
        if (message == 0)
        {
            return;
        }

        Volatile.Write(ref _cutAfterGrace, message);
        if (_graceTimer is null)
        {
            Interlocked.CompareExchange(ref _graceTimer, new Timer(static state => ((MessageWriter)state!).OnGraceExpired(), this, Timeout.Infinite, Timeout.Infinite), null);
        }

        _graceTimer.Change(CancelledWriteGrace, Timeout.InfiniteTimeSpan);
    }

    // Only the message that was cancelled is cut: one that finished in time, or a later one, is left alone.
    private void OnGraceExpired()
    {
        long writing = Volatile.Read(ref _writing);
        if (writing != 0 && writing == Volatile.Read(ref _cutAfterGrace))
        {
            CutOff?.Invoke();
        }
    }

    private void BufferFrameHead(FrameHeader header, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> inlinePayload, int bodyLength)
    {
        int headLength = MessageHeader.Size + header.PayloadOffset;
        Span<byte> span = _output.GetSpan(headLength + inlinePayload.Length);
        MessageHeader.ForBody(MessageType.Frame, bodyLength).WriteTo(span);
        Span<byte> body = span[MessageHeader.Size..];
        header.WriteTo(body);
        metadata.CopyTo(body[FrameHeader.Size..]);
        body.Slice(FrameHeader.Size + metadata.Length, header.MetadataPadding).Clear();
        try
        {
            FrameHeader.Read(body, bodyLength, ModelInputs);
        }
        catch (ProtocolException e)
        {
            throw new ArgumentException($"frame violates PROTOCOL.md: {e.Message}", nameof(header), e);
        }

        inlinePayload.CopyTo(body[header.PayloadOffset..]);
        _output.Advance(headLength + inlinePayload.Length);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteSmallAsync<TState>(MessageType type, int bodyLength, TState state, BodyWriter<TState> writeBody,
        CancellationToken cancellationToken, bool withPreamble = false)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        CancellationTokenRegistration watch = default;
        try
        {
            // PROTOCOL.md §4.2: after END this side sends nothing but an answer to the peer's END. A back-channel
            // message racing with END is dropped here, under the same lock that orders the writes.
            if (_endWritten && type is MessageType.Ack or MessageType.Result or MessageType.Release)
            {
                return;
            }

            ThrowIfCompleted();

            _endWritten |= type == MessageType.End;
            watch = StartMessage(cancellationToken);
            BufferSmall(type, bodyLength, state, writeBody, withPreamble);
            ThrowIfEnded(await _output.FlushAsync(CancellationToken.None).ConfigureAwait(false));
        }
        finally
        {
            EndMessage(watch);
            _writeLock.Release();
        }
    }

    private void BufferSmall<TState>(MessageType type, int bodyLength, TState state, BodyWriter<TState> writeBody, bool withPreamble)
    {
        int preambleLength = withPreamble ? Preamble.Size : 0;
        int total = preambleLength + MessageHeader.Size + bodyLength;
        Span<byte> span = _output.GetSpan(total);
        if (withPreamble)
        {
            Preamble.Current.WriteTo(span);
        }

        MessageHeader.ForBody(type, bodyLength).WriteTo(span[preambleLength..]);
        writeBody(span.Slice(preambleLength + MessageHeader.Size, bodyLength), state);
        _output.Advance(total);
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new IOException("the connection is closed on this side");
        }
    }

    private static void ThrowIfEnded(FlushResult result)
    {
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("the write was cancelled");
        }

        if (result.IsCompleted)
        {
            throw new IOException("the connection was closed by the peer");
        }
    }

    private delegate void BodyWriter<in TState>(Span<byte> body, TState state);
}
