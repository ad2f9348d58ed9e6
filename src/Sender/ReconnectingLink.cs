using System.Diagnostics;
using System.Net.Sockets;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming;
using RawFrames.Streaming.Cli;
using RawFrames.Streaming.Stats;

namespace RawFrames.Sender;

/// <summary>
/// The sender's connection across receiver restarts: connects with backoff (start order does not matter), reads what
/// the receiver sends back, and when the connection is lost (the receiver died, restarted, said ShuttingDown, or went
/// silent past the idle timeout) connects again and resends the frame that failed. With ACKs it knows exactly which
/// frames the lost connection took with it; the receiver's END or a refusal ends the run instead.
/// </summary>
internal sealed class ReconnectingLink : IAsyncDisposable
{

    private readonly SenderOptions _options;
    private readonly Log _log;
    private readonly AckTracker? _acks;
    private readonly CancellationTokenSource _receiverStopped = new();
    private readonly Lock _lock = new();
    private readonly List<IReadOnlyDictionary<string, object?>> _unacknowledged = [];
    private readonly LatencyHistogram _reconnectTimes = new();
    private FrameConnection _connection;
    private Task<bool> _inbound = Task.FromResult(false);
    private string? _lost; // why the current connection is gone; guarded by _lock
    private long _sentOnConnection;
    private long _ackedBeforeConnection;
    private ulong _firstOnConnection;
    private ulong _lastSent;
    private long _unacknowledgedFrames;

    private ReconnectingLink(SenderOptions options, Log log, AckTracker? acks, FrameConnection first)
    {
        _options = options;
        _log = log;
        _acks = acks;
        _connection = first;
        Attach(first);
    }

    public FrameConnection Current => _connection;

    /// <summary>Cancelled when the receiver asked to stop (END) or refused to go on (an ERROR that is not ShuttingDown).</summary>
    public CancellationToken ReceiverStopped => _receiverStopped.Token;

    /// <summary>"receiver" or "error" when the receiver's side ended the run, else null.</summary>
    public string? StoppedBy { get; private set; }

    /// <summary>Why the run failed on the connection's side, or null.</summary>
    public string? Failure { get; private set; }

    public int Reconnects { get; private set; }

    /// <summary>Frames sent on connections that were lost before their ACK came (only known with --ack).</summary>
    public long UnacknowledgedFrames => _unacknowledgedFrames;

    /// <summary>Connects, retrying with backoff while the receiver is not up (or not up again) until the connect timeout.</summary>
    /// <param name="largestPayload">The largest frame expected: the size of shared-memory slots on shm:// endpoints.</param>
    public static async Task<ReconnectingLink> ConnectAsync(SenderOptions options, int largestPayload, Log log, AckTracker? acks, CancellationToken cancellationToken)
    {
        options = options with { LargestPayload = largestPayload };
        return new(options, log, acks, await ConnectWithBackoffAsync(options, log, cancellationToken));
    }

    /// <summary>
    /// Sends a frame on the current connection; when that connection is lost and --reconnect is on, connects again and
    /// sends this frame on the new one. Throws <see cref="IOException"/> when the connection is lost for good.
    /// </summary>
    public async ValueTask SendFrameAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken stop, CancellationToken abortWrite)
    {
        while (true)
        {
            FrameConnection connection = _connection;
            if (LostReason() is null)
            {
                try
                {
                    _acks?.OnSending(header.Sequence);
                    await connection.SendFrameAsync(header, metadata, payload, abortWrite);
                    if (_sentOnConnection++ == 0)
                    {
                        _firstOnConnection = header.Sequence;
                    }

                    _lastSent = header.Sequence;
                    return;
                }
                catch (FrameTooLargeException e)
                {
                    // Every frame of the stream has this size: another connection would refuse it too.
                    string fix = $"--max-message-bytes {e.MessageLength} or more";
                    await connection.SendErrorAsync(ErrorCode.MessageTooLarge,
                        $"frame {e.Sequence} would be a message of {e.MessageLength:N0} bytes, over your maximum of {e.PeerMaximum:N0}: start the receiver with {fix} to take this stream");
                    string reason = $"{e.Message}: start the receiver with {fix}, or send smaller frames (e.g. --codec jpeg)";
                    MarkLost(connection, reason);
                    Stop("error", reason);
                    throw new RunFailedException(reason);
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                {
                    MarkLost(connection, connection.TimedOut ?? $"connection lost while sending: {e.Message}");
                }
            }

            if (!_options.Reconnect || stop.IsCancellationRequested)
            {
                throw new IOException(LostReason());
            }

            await ReconnectAsync(stop);
        }
    }

    /// <summary>Sends END on the current connection and waits (bounded) for the receiver's END: true when it came.</summary>
    public async Task<bool> EndAsync(TimeSpan timeout)
    {
        if (LostReason() is not null)
        {
            return false;
        }

        await _connection.SendEndAsync();
        return await Task.WhenAny(_inbound, Task.Delay(timeout, CancellationToken.None)) == _inbound && await _inbound;
    }

    public RunSummary AddTo(RunSummary summary) => summary
        .Add("transport", _connection.TransportName)
        .Add("reconnects", Reconnects)
        .Add("reconnect_ms_max", _reconnectTimes.Count > 0 ? _reconnectTimes.PercentileMs(100) : null, "ms")
        .Add("unacknowledged_frames", _acks is null ? null : _unacknowledgedFrames)
        .Add("unacknowledged", _unacknowledged.ToArray());

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _receiverStopped.Dispose();
    }

    private async Task ReconnectAsync(CancellationToken stop)
    {
        FrameConnection old = _connection;
        string reason = LostReason()!;
        long lostAt = Stopwatch.GetTimestamp();
        _log.Info($"connection to {old.Remote} lost: {reason}; reconnecting");
        ReportUnacknowledged();
        old.Abort();
        await old.DisposeAsync();

        FrameConnection connection;
        try
        {
            connection = await ConnectWithBackoffAsync(_options, null, stop);
        }
        catch (Exception e) when (e is SocketException or IOException or ProtocolException || (e is OperationCanceledException && !stop.IsCancellationRequested))
        {
            throw new IOException($"{reason}; no new connection within --connect-timeout {_options.ConnectTimeout.TotalSeconds:0.#} s: {e.Message}", e);
        }

        Reconnects++;
        _reconnectTimes.RecordNanoseconds((long)Stopwatch.GetElapsedTime(lostAt).TotalNanoseconds);
        _log.Info($"reconnected to {connection.Remote} after {Stopwatch.GetElapsedTime(lostAt).TotalMilliseconds:0} ms (reconnect {Reconnects})");
        Attach(connection);
    }

    private void Attach(FrameConnection connection)
    {
        lock (_lock)
        {
            _connection = connection;
            _lost = null;
        }

        _sentOnConnection = 0;
        _ackedBeforeConnection = _acks?.Acknowledged ?? 0;
        if (Reconnects == 0)
        {
            _log.Info($"connected to {connection.Remote} over {connection.TransportName} ({connection.PeerHello.Software ?? "unnamed receiver"}, accepts messages up to {connection.PeerHello.MaxMessageLength} bytes)");
        }

        // PROTOCOL.md §5: ACKs flow only when both HELLOs set the bit.
        if (_acks is not null && !connection.PeerHello.Capabilities.HasFlag(Capabilities.Ack))
        {
            _log.Info("--ack: this receiver does not send ACKs; no round trip times will be measured");
        }

        _inbound = Task.Run(() => ReadInboundAsync(connection));
    }

    // ACKs arrive in order (§10.1): the frames sent after the newest one on the lost connection are the ones it may
    // have taken with it.
    private void ReportUnacknowledged()
    {
        if (_acks is null)
        {
            if (_sentOnConnection > 0)
            {
                _log.Info("frames in flight on the lost connection may not have arrived; --ack reports exactly which");
            }

            return;
        }

        long unacknowledged = _sentOnConnection - (_acks.Acknowledged - _ackedBeforeConnection);
        if (unacknowledged <= 0)
        {
            return;
        }

        ulong from = _acks.Acknowledged > _ackedBeforeConnection ? _acks.LastAcknowledged + 1 : _firstOnConnection;
        _unacknowledgedFrames += unacknowledged;
        _unacknowledged.Add(new Dictionary<string, object?> { ["from_sequence"] = from, ["to_sequence"] = _lastSent, ["frames"] = unacknowledged });
        _log.Info($"not acknowledged before the loss: {unacknowledged} frames, sequences {from} to {_lastSent}");
    }

    private string? LostReason()
    {
        lock (_lock)
        {
            return _lost;
        }
    }

    private void MarkLost(FrameConnection connection, string reason)
    {
        lock (_lock)
        {
            if (_connection == connection)
            {
                _lost ??= reason;
            }
        }
    }

    // Beside the sends: the receiver's END, ERROR, ACKs and PINGs, and the end of the connection.
    private async Task<bool> ReadInboundAsync(FrameConnection connection)
    {
        try
        {
            while (true)
            {
                Message message = await connection.ReadAsync(CancellationToken.None);
                switch (message.Type)
                {
                    case MessageType.End:
                        if (!connection.EndSent)
                        {
                            _log.Info("the receiver asked to stop (END)");
                            Stop("receiver", null);
                        }

                        return true;
                    case MessageType.Error:
                        ErrorMessage error = message.ReadError();
                        string reason = $"the receiver closed the connection: {error.Reason} (error {(uint)error.Code} {error.Code})";
                        if (error.Code is ErrorCode.ShuttingDown or ErrorCode.Timeout && _options.Reconnect)
                        {
                            Lose(connection, reason);
                        }
                        else
                        {
                            Stop("error", reason);
                        }

                        return false;
                    case MessageType.None:
                        if (!connection.EndSent)
                        {
                            Lose(connection, "the receiver closed the connection without END");
                        }

                        return connection.EndSent;
                    case MessageType.Ack:
                        _acks?.OnAck(message.ReadAck());
                        continue;
                    default:
                        continue; // RESULT: not requested by this program.
                }
            }
        }
        catch (ProtocolException e) when (e.Code != ErrorCode.Timeout)
        {
            // The receiver broke the protocol (it was told with ERROR): connecting again would meet the same fault.
            string reason = $"the receiver broke the protocol: {e.Message} (error {(uint)e.Code} {e.Code})";
            MarkLost(connection, reason);
            connection.Abort();
            Stop("error", reason);
            return false;
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!connection.EndSent)
            {
                Lose(connection, connection.TimedOut ?? $"connection lost: {e.Message}");
            }

            return false;
        }
    }

    // The connection is gone: with --reconnect the next send connects again; without, the run ends here.
    private void Lose(FrameConnection connection, string reason)
    {
        MarkLost(connection, reason);
        connection.Abort(); // a write blocked on it fails now instead of at the TCP timeout
        if (!_options.Reconnect)
        {
            Stop("error", reason);
        }
    }

    private void Stop(string by, string? failure)
    {
        StoppedBy ??= by;
        Failure ??= failure;
        _receiverStopped.Cancel();
    }

    /// <param name="log">Told once, at the first failed attempt, what is wrong and that the sender keeps trying; null: silent.</param>
    private static async Task<FrameConnection> ConnectWithBackoffAsync(SenderOptions options, Log? log, CancellationToken cancellationToken)
    {
        var connectionOptions = new ConnectionOptions
        {
            Role = PeerRole.Producer,
            Software = "rawframes-send/1",
            Capabilities = options.Ack ? Capabilities.Ack : Capabilities.None,
            IdleTimeout = options.PeerTimeout,
            Token = options.Token,
            Tls = options.Tls,
            SharedMemorySlotSize = options.LargestPayload,
        };
        long started = Stopwatch.GetTimestamp();
        var backoff = default(Backoff);
        while (true)
        {
            try
            {
                return await FrameConnection.ConnectAsync(options.To, connectionOptions, cancellationToken);
            }
            catch (Exception e) when ((IsWorthRetrying(e) || e is OperationCanceledException) && !cancellationToken.IsCancellationRequested
                                      && (options.ConnectTimeout == TimeSpan.Zero || Stopwatch.GetElapsedTime(started) + backoff.Current < options.ConnectTimeout))
            {
                if (backoff.Current == Backoff.First)
                {
                    log?.Info($"{e.Message}; retrying " + (options.ConnectTimeout == TimeSpan.Zero
                        ? "until it answers (--connect-timeout 0)"
                        : $"for up to {options.ConnectTimeout.TotalSeconds:0.#} s (--connect-timeout)"));
                }

                await Task.Delay(backoff.Next(), cancellationToken);
            }
        }
    }

    // Not up yet, starting, or going down: worth another try. A refusal for a reason (a limit, a version) is not.
    private static bool IsWorthRetrying(Exception e) => e switch
    {
        ConnectFailedException c => c.IsWorthRetrying,
        SocketException s => s.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.TryAgain
            or SocketError.ConnectionReset or SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable,
        ProtocolException p => p.Code is ErrorCode.TruncatedStream or ErrorCode.ShuttingDown or ErrorCode.Timeout or ErrorCode.ConnectionLimit,
        IOException => true,
        _ => false,
    };
}
