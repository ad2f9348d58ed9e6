using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using RawFrames.Client.Statistics;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Sending;

/// <summary>
/// The producer's side of one open connection, whichever side opened it (a sender that connected, or a relay that
/// accepted a subscriber): frames out, and one loop reading what the consumer sends back (ACK, RESULT, END, ERROR, the
/// connection closing), which decides how the session ended.
/// </summary>
internal sealed class ProducerSession : IAsyncDisposable
{
    private readonly AckTracker? _acks;
    private readonly Action<FrameResult>? _onResult;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<FrameResult>> _requests = new();
    private readonly CancellationTokenSource _ended = new();
    private readonly Task<bool> _inbound;
    private SenderEnd? _end;

    public ProducerSession(FrameConnection connection, AckTracker? acks, Action<FrameResult>? onResult)
    {
        Connection = connection;
        _acks = connection.Negotiated.HasFlag(Capabilities.Ack) ? acks : null;
        _onResult = onResult;
        _inbound = Task.Run(ReadInboundAsync);
    }

    public FrameConnection Connection { get; }

    /// <summary>How the session ended, once it has; null while it goes on. Only <see cref="SenderEndKind.Lost"/> may be followed by another connection.</summary>
    public SenderEnd? End => Volatile.Read(ref _end);

    /// <summary>Cancelled when the session ends (the consumer's END or ERROR, or the connection lost).</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>Sends a frame; a failure means the connection is gone (see <see cref="End"/>), but for <see cref="FrameTooLargeException"/>.</summary>
    public async ValueTask SendAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, TaskCompletionSource<FrameResult>? reply,
        CancellationToken cancellationToken)
    {
        if (reply is not null)
        {
            _requests[header.Sequence] = reply; // before the frame leaves, so its RESULT cannot come first
        }

        _acks?.OnSending(header.Sequence);
        try
        {
            await Connection.SendFrameAsync(header, metadata, payload, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException and not FrameTooLargeException or SocketException or ObjectDisposedException)
        {
            _requests.TryRemove(header.Sequence, out _);
            Finish(new SenderEnd(SenderEndKind.Lost, Connection.TimedOut ?? $"connection lost while sending: {e.Message}"));
            throw;
        }
        catch
        {
            _requests.TryRemove(header.Sequence, out _);
            throw;
        }
    }

    /// <summary>
    /// Sends END and waits (bounded) for the consumer's END: true when it came, i.e. it read every frame. After the
    /// consumer's own END, this is the answer PROTOCOL.md §4.2 asks for, sent once the frame in flight is out.
    /// </summary>
    public async Task<bool> EndAsync(TimeSpan wait)
    {
        if (End is { Kind: SenderEndKind.ReceiverEnded })
        {
            await Connection.SendEndAsync().ConfigureAwait(false);
            return true;
        }

        if (End is { Kind: not SenderEndKind.Ended })
        {
            return false;
        }

        await Connection.SendEndAsync().ConfigureAwait(false);
        return await Task.WhenAny(_inbound, Task.Delay(wait)).ConfigureAwait(false) == _inbound && await _inbound.ConfigureAwait(false);
    }

    /// <summary>Ends the session with ERROR (PROTOCOL.md §9): the consumer is told why, and the connection closes.</summary>
    public async Task FailAsync(ErrorCode code, string reason)
    {
        Finish(new SenderEnd(SenderEndKind.Aborted, reason, code));
        await Connection.SendErrorAsync(code, reason).ConfigureAwait(false);
        Connection.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        Finish(new SenderEnd(SenderEndKind.Lost, "the session was closed"));
        await Connection.DisposeAsync().ConfigureAwait(false);
        await _inbound.ConfigureAwait(false);
        _ended.Dispose();
    }

    private async Task<bool> ReadInboundAsync()
    {
        try
        {
            while (true)
            {
                Message message = await Connection.ReadAsync().ConfigureAwait(false);
                switch (message.Type)
                {
                    case MessageType.Ack:
                        _acks?.OnAck(message.ReadAck());
                        break;
                    case MessageType.Result:
                        OnResult(message);
                        break;
                    case MessageType.End:
                        Finish(Connection.EndSent
                            ? new SenderEnd(SenderEndKind.Ended, "ended: the receiver read every frame")
                            : new SenderEnd(SenderEndKind.ReceiverEnded, "the receiver asked for no more frames (END)"));
                        return true;
                    case MessageType.Error:
                        ErrorMessage error = message.ReadError();
                        string reason = $"the receiver closed the connection: {error.Reason} (error {(uint)error.Code} {error.Code})";
                        // ShuttingDown and Timeout: the receiver is going away or lost us; another may listen soon.
                        Finish(new SenderEnd(error.Code is ErrorCode.ShuttingDown or ErrorCode.Timeout ? SenderEndKind.Lost : SenderEndKind.ReceiverError, reason, error.Code));
                        return false;
                    default:
                        Finish(Connection.EndSent
                            ? new SenderEnd(SenderEndKind.Ended, "closed after END")
                            : new SenderEnd(SenderEndKind.Lost, "the receiver closed the connection without END"));
                        return Connection.EndSent;
                }
            }
        }
        catch (ProtocolException e) when (e.Code != ErrorCode.Timeout)
        {
            // The receiver broke the protocol (it was told with ERROR): another connection would meet the same fault.
            Finish(new SenderEnd(SenderEndKind.ProtocolError, $"the receiver broke the protocol: {e.Message} (error {(uint)e.Code} {e.Code})", e.Code));
            Connection.Abort();
            return false;
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Finish(new SenderEnd(Connection.EndSent ? SenderEndKind.Ended : SenderEndKind.Lost, Connection.TimedOut ?? $"connection lost: {e.Message}"));
            Connection.Abort(); // a write blocked on it fails now instead of at the TCP timeout
            return false;
        }
    }

    private void OnResult(in Message message)
    {
        ResultHeader header = message.ReadResult();
        var result = new FrameResult(header.StreamId, header.Sequence, header.IsJson, message.ResultData.ToArray());
        if (_requests.TryRemove(header.Sequence, out TaskCompletionSource<FrameResult>? waiting))
        {
            waiting.TrySetResult(result);
        }
        else
        {
            _onResult?.Invoke(result);
        }
    }

    private void Finish(SenderEnd end)
    {
        if (Interlocked.CompareExchange(ref _end, end, null) is not null)
        {
            return;
        }

        foreach (TaskCompletionSource<FrameResult> waiting in _requests.Values)
        {
            waiting.TrySetException(new IOException($"the stream ended before the result came: {end.Reason}"));
        }

        try
        {
            _ended.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed already.
        }
    }
}
