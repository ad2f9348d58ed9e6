using RawFrames.Client;
using RawFrames.Programs;
using RawFrames.Programs.Receiving;

namespace RawFrames.Relay;

/// <summary>
/// Frames into the relay: producers that connect to it, an upstream relay it subscribes to (chaining), publishers on
/// NATS (PROTOCOL.md §19); each connection fed through the relay's sinks under a key of its own. Stopping tells
/// producers ShuttingDown on a signal (they reconnect to whoever listens next), END with --once.
/// </summary>
internal sealed class RelayIngest(RelayOptions options, Log log) : IAsyncDisposable
{
    private const int MaxPeers = 1024;
    private readonly CancellationTokenSource _stopConnecting = new();
    private ConnectionFeed? _feed;
    private FrameReceiver? _producers;
    private FrameReceiver? _upstream;
    private int _stopping;
    private long _producerCount;
    private long _errors;

    /// <summary>Producers that connected (NATS publishers included).</summary>
    public long Producers => Interlocked.Read(ref _producerCount);

    /// <summary>Connections that ended with a protocol error, upstream refusals and NATS messages that were not frames.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Connections to the producers' endpoint that closed before their first byte.</summary>
    public long Probes => _producers?.Probes ?? 0;

    /// <summary>Starts listening for producers (with --listen); <see cref="RunAsync"/> takes them.</summary>
    /// <exception cref="IOException">The endpoint cannot be listened on.</exception>
    public async Task ListenAsync(CancellationToken cancellationToken)
    {
        if (options.Listen is { } listen)
        {
            _producers = await FrameReceiver.ListenAsync(listen.Text, ReceiverOptions(), cancellationToken);
            log.Info($"producers connect to {_producers.Endpoint}");
        }
    }

    /// <summary>Feeds every source's frames through <paramref name="feed"/> until each source has ended.</summary>
    public Task RunAsync(ConnectionFeed feed)
    {
        _feed = feed;
        return Task.WhenAll(
            _producers is null ? Task.CompletedTask : IngestAllAsync(_producers, connection => connection.Id, countsAsProducer: true),
            options.From is { } from ? FollowUpstreamAsync(from) : Task.CompletedTask,
            options.NatsFrom is { } nats ? FollowNatsAsync(nats) : Task.CompletedTask);
    }

    // A signal: producers are told ShuttingDown (they reconnect to whoever listens next); --once: END.
    public void Stop(bool shuttingDown)
    {
        Interlocked.Exchange(ref _stopping, 1);
        _stopConnecting.Cancel();
        _ = _producers?.StopAsync(shuttingDown);
        _ = Volatile.Read(ref _upstream)?.StopAsync(shuttingDown);
    }

    public async ValueTask DisposeAsync()
    {
        if (_producers is not null)
        {
            await _producers.DisposeAsync();
        }

        _stopConnecting.Dispose();
    }

    // Chaining relays: this relay is a subscriber of another, and follows it across restarts (but with --once).
    private async Task FollowUpstreamAsync(SocketEndpoint from)
    {
        var subscription = new SubscriptionOptions { Policy = options.UpstreamPolicy, Follow = !options.Once, ConnectTimeout = TimeSpan.Zero };
        FrameReceiver upstream;
        try
        {
            upstream = await FrameReceiver.SubscribeAsync(from.Text, subscription, ReceiverOptions(), _stopConnecting.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ProtocolException e)
        {
            // Refused for a reason another attempt would not change (a version, a subscription it cannot serve).
            log.Info($"upstream {from} refused the subscription: {e.Message}");
            Interlocked.Increment(ref _errors);
            return;
        }

        // Negative keys keep the upstream's connections apart from the producers' numbers.
        await FollowAsync(upstream, connection => -1 - connection.Id, countsAsProducer: false);
    }

    // NATS into the relay: each publisher is a producer of its own (PROTOCOL.md §19); NATS.Net reconnects by itself.
    private async Task FollowNatsAsync(NatsEndpoint address)
    {
        var subscription = new SubscriptionOptions { Policy = options.UpstreamPolicy, QueueFrames = options.Queue, ConnectTimeout = TimeSpan.FromSeconds(10) };
        FrameReceiver nats;
        try
        {
            nats = await FrameReceiver.SubscribeAsync(address.Text, subscription, ReceiverOptions(), _stopConnecting.Token);
        }
        catch (Exception e) when (e is IOException or ProtocolException)
        {
            log.Info(e.Message);
            Interlocked.Increment(ref _errors);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        log.Info($"subscribed to {address.SubscriptionSubject} on {address.Server}");
        nats.Nats!.InvalidMessage = (subject, problem) =>
        {
            log.Info($"{subject}: {problem}");
            Interlocked.Increment(ref _errors);
        };

        // Keys far below the upstream relay's keep NATS publishers apart from every other sender.
        await FollowAsync(nats, connection => (long.MinValue / 2) + connection.Id, countsAsProducer: true);
    }

    private async Task FollowAsync(FrameReceiver receiver, Func<SenderConnection, long> key, bool countsAsProducer)
    {
        await using (receiver)
        {
            Volatile.Write(ref _upstream, receiver);
            if (Volatile.Read(ref _stopping) != 0)
            {
                _ = receiver.StopAsync(shuttingDown: true);
            }

            await IngestAllAsync(receiver, key, countsAsProducer);
        }
    }

    private async Task IngestAllAsync(FrameReceiver receiver, Func<SenderConnection, long> key, bool countsAsProducer)
    {
        var ingesting = new List<Task>();
        await foreach (SenderConnection connection in receiver.AcceptAllAsync(CancellationToken.None))
        {
            ingesting.Add(IngestAsync(connection, key(connection), countsAsProducer));
        }

        await Task.WhenAll(ingesting);
    }

    // One producer connection (a NATS publisher, or one upstream subscription) through the sinks, under its own key.
    private async Task IngestAsync(SenderConnection connection, long key, bool countsAsProducer)
    {
        if (countsAsProducer)
        {
            Interlocked.Increment(ref _producerCount);
        }

        FeedResult result = await _feed!.RunAsync(connection, key);
        if (result.End.Kind == ConnectionEndKind.ProtocolError)
        {
            Interlocked.Increment(ref _errors);
        }

        if (options.Once)
        {
            Stop(shuttingDown: false);
        }
    }

    // Towards producers (and an upstream relay) the relay is a receiver.
    private FrameReceiverOptions ReceiverOptions() => new()
    {
        IdleTimeout = options.IdleTimeout,
        MaxConnections = MaxPeers,
        MaxConnectionsName = "at most 1024 producers",
        Software = "rawframes-relay/1",
        LoggerFactory = log.Factory,
    };
}
