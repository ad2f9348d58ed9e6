using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RawFrames.Client.Connecting;
using RawFrames.Client.Logging;
using RawFrames.Client.Statistics;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Sending;

/// <summary>
/// A producer across connections: when one is lost (the receiver died, restarted, said ShuttingDown, went silent past
/// the idle timeout) it connects again with backoff and sends the frame that failed on the new one; under the latest
/// policy it drops the frames that come while it reconnects instead of holding the caller. With ACKs it knows exactly
/// which frames a lost connection took with it. The consumer's END, or a refusal, ends it for good.
/// </summary>
internal sealed class ReconnectingProducer : IProducerLink
{
    private readonly FrameEndpoint _endpoint;
    private readonly ConnectionOptions _options;
    private readonly FrameSenderOptions _settings;
    private readonly ILogger _log;
    private readonly AckTracker? _acks;
    private readonly LatencyHistogram _reconnectTimes = new();
    private readonly List<UnacknowledgedFrames> _unacknowledged = [];
    private readonly CancellationTokenSource _stopped = new();
    private ProducerSession _session;
    private Task<ProducerSession>? _reconnecting; // under the latest policy, while frames are dropped
    private long _sentOnConnection;
    private long _ackedBeforeConnection;
    private ulong _firstOnConnection;
    private ulong _lastSent;
    private string? _failure; // no new connection came in time: the stream is over

    private ReconnectingProducer(FrameEndpoint endpoint, ConnectionOptions options, FrameSenderOptions settings, ILogger log, FrameConnection first)
    {
        _endpoint = endpoint;
        _options = options;
        _settings = settings;
        _log = log;
        _acks = settings.Ack ? new AckTracker() : null;
        _session = new ProducerSession(first, _acks, settings.OnResult);
        Watch(_session);
        OnConnected(_session);
    }

    /// <summary>Cancelled when the stream stops for good: the consumer's END or refusal, or a protocol fault.</summary>
    public CancellationToken Stopped => _stopped.Token;

    /// <summary>ACK round trips and counts across every connection; null without <see cref="FrameSenderOptions.Ack"/>.</summary>
    public AckTracker? Acks => _acks;

    public ProducerSession Session => _session;

    public string Remote => _session.Connection.Remote;

    public string Transport => _session.Connection.TransportName;

    /// <summary>How the stream stopped for good: a lost connection only when no other will be made.</summary>
    public SenderEnd? Stop => _session.End switch
    {
        { Kind: SenderEndKind.Lost } lost when !_settings.Reconnect => lost,
        { Kind: not (SenderEndKind.Lost or SenderEndKind.Ended) } end => end,
        _ => null,
    };

    public bool EndSent => _session.Connection.EndSent;

    public bool CanReply => _session.Connection.Negotiated.HasFlag(Capabilities.Result);

    public int Reconnects { get; private set; }

    public LatencyHistogram ReconnectTimes => _reconnectTimes;

    public IReadOnlyList<UnacknowledgedFrames> Unacknowledged
    {
        get
        {
            lock (_unacknowledged)
            {
                return [.. _unacknowledged];
            }
        }
    }

    public static async Task<ReconnectingProducer> ConnectAsync(FrameEndpoint endpoint, ConnectionOptions options, FrameSenderOptions settings, ILogger log,
        CancellationToken cancellationToken)
    {
        // Without Reconnect, a receiver that accepts and then cuts the opening ends the stream as a lost connection would.
        FrameConnection connection = await Reconnector.ConnectAsync(endpoint, options, settings.ConnectTimeout, log, cancellationToken, afterAccepted: settings.Reconnect)
            .ConfigureAwait(false);
        return new ReconnectingProducer(endpoint, options, settings, log, connection);
    }

    /// <summary>
    /// Sends a frame on the current connection, connecting again when that one is lost. True when sent; false when
    /// the latest policy dropped it while reconnecting. Throws <see cref="IOException"/> when the stream cannot go on
    /// (see <see cref="ProducerSession.End"/>), and <see cref="FrameTooLargeException"/> as the connection does.
    /// </summary>
    public async ValueTask<bool> SendAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload,
        TaskCompletionSource<FrameResult>? reply, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_failure is not null)
            {
                throw new IOException(_failure);
            }

            if (_reconnecting is { } pending)
            {
                if (!pending.IsCompleted && _settings.Policy == SendPolicy.Latest)
                {
                    return false;
                }

                _reconnecting = null;
                try
                {
                    Attach(await pending.ConfigureAwait(false));
                }
                catch (IOException e)
                {
                    _failure = e.Message;
                    throw;
                }
            }

            ProducerSession session = _session;
            if (session.End is null)
            {
                try
                {
                    await session.SendAsync(header, metadata, payload, reply, cancellationToken).ConfigureAwait(false);
                    if (_sentOnConnection++ == 0)
                    {
                        _firstOnConnection = header.Sequence;
                    }

                    _lastSent = header.Sequence;
                    return true;
                }
                catch (IOException) when (session.End is not null)
                {
                    // Lost while sending: decided below.
                }
            }

            SenderEnd end = session.End!;
            if (end.Kind != SenderEndKind.Lost || !_settings.Reconnect || cancellationToken.IsCancellationRequested)
            {
                throw new IOException(end.Reason);
            }

            _reconnecting = ReconnectAsync(session, end.Reason, cancellationToken);
        }
    }

    /// <summary>Sends END on the current connection and waits (bounded) for the consumer's END: true when it came.</summary>
    public Task<bool> EndAsync(TimeSpan wait) => _reconnecting is null ? _session.EndAsync(wait) : Task.FromResult(false);

    public ValueTask<FrameLoan?> LoanAsync(int payloadLength, CancellationToken cancellationToken) => _session.Connection.LoanAsync(payloadLength, cancellationToken);

    public Task FailAsync(ErrorCode code, string reason) => _session.FailAsync(code, reason);

    public async ValueTask DisposeAsync()
    {
        if (_reconnecting is { } pending)
        {
            try
            {
                await (await pending.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ProtocolException or OperationCanceledException)
            {
                // It never connected.
            }
        }

        await _session.DisposeAsync().ConfigureAwait(false);
        _stopped.Dispose();
    }

    private async Task<ProducerSession> ReconnectAsync(ProducerSession old, string reason, CancellationToken cancellationToken)
    {
        long lostAt = Stopwatch.GetTimestamp();
        ClientLog.Reconnecting(_log, _endpoint.Text, reason);
        ReportUnacknowledged();
        await old.DisposeAsync().ConfigureAwait(false);
        FrameConnection connection;
        try
        {
            connection = await Reconnector.ConnectAsync(_endpoint, _options, _settings.ConnectTimeout, _log, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ProtocolException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            string within = _settings.ConnectTimeout > TimeSpan.Zero ? $" within {_settings.ConnectTimeout.TotalSeconds:0.#} s" : "";
            throw new IOException($"{reason}; no new connection{within}: {e.Message}", e);
        }

        Reconnects++;
        double milliseconds = Stopwatch.GetElapsedTime(lostAt).TotalMilliseconds;
        _reconnectTimes.RecordNanoseconds((long)(milliseconds * 1e6));
        ClientLog.Reconnected(_log, connection.Remote, milliseconds, Reconnects);
        var session = new ProducerSession(connection, _acks, _settings.OnResult);
        Watch(session);
        return session;
    }

    // A session the receiver or this side stopped ends the stream; one that is merely lost is replaced.
    private void Watch(ProducerSession session) => session.Ended.UnsafeRegister(static state =>
    {
        (ReconnectingProducer producer, ProducerSession watched) = ((ReconnectingProducer, ProducerSession))state!;
        if (watched.End is { Kind: not (SenderEndKind.Lost or SenderEndKind.Ended) })
        {
            try
            {
                producer._stopped.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The producer is gone already.
            }
        }
    }, (this, session));

    private void Attach(ProducerSession session)
    {
        _session = session;
        _sentOnConnection = 0;
        _ackedBeforeConnection = _acks?.Acknowledged ?? 0;
    }

    private void OnConnected(ProducerSession session)
    {
        FrameConnection connection = session.Connection;
        ClientLog.Connected(_log, connection.Remote, connection.TransportName, connection.PeerHello.Software ?? "unnamed receiver", connection.PeerHello.MaxMessageLength);
        if (_settings.Ack && !connection.PeerHello.Capabilities.HasFlag(Capabilities.Ack))
        {
            ClientLog.NoAcks(_log);
        }
    }

    // ACKs arrive in order (PROTOCOL.md §10.1): the frames sent after the newest one on the lost connection are the
    // ones it may have taken with it.
    private void ReportUnacknowledged()
    {
        if (_acks is null)
        {
            if (_sentOnConnection > 0)
            {
                ClientLog.MaybeLost(_log);
            }

            return;
        }

        long unacknowledged = _sentOnConnection - (_acks.Acknowledged - _ackedBeforeConnection);
        if (unacknowledged <= 0)
        {
            return;
        }

        ulong from = _acks.Acknowledged > _ackedBeforeConnection ? _acks.LastAcknowledged + 1 : _firstOnConnection;
        lock (_unacknowledged)
        {
            _unacknowledged.Add(new UnacknowledgedFrames(from, _lastSent, unacknowledged));
        }

        ClientLog.Unacknowledged(_log, unacknowledged, from, _lastSent);
    }
}
