using System.Net.Sockets;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Relay.Fanout;
using RawFrames.Streaming;
using RawFrames.Streaming.Cli;
using RawFrames.Streaming.Stats;
using RawFrames.Streaming.Streams;
using RawFrames.Viewer;

namespace RawFrames.Relay;

/// <summary>
/// producers (and/or an upstream relay) → hub → subscribers and browsers. Producers connect as to a receiver;
/// subscribers connect as consumers and say in HELLO how they want frames (PROTOCOL.md §16). Stopping ends the
/// producers first, then lets every subscriber take what is queued, then ends the subscriptions with END.
/// </summary>
internal sealed class RelayRun(RelayOptions options) : IDisposable
{
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(5);

    private readonly Log _log = new("relay");
    private readonly TransferTotals _totals = new();
    private readonly FrameHub _hub = new();
    private readonly Transcoder _transcoder = new(options.Encoder);
    private readonly CancellationTokenSource _stopIngest = new();
    private readonly CancellationTokenSource _stopServing = new();
    private readonly StreamIds _streamIds = new();
    private long _producers;
    private long _probes;
    private long _upstreamConnections;
    private long _subscriberIds;
    private long _errors;

    /// <summary>Runs until stopped; prints the summary (and the JSON line) on every exit, with the error if there was one.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        string? failure;
        int exitCode;
        try
        {
            await RelayAsync(cancellationToken);
            long errors = Interlocked.Read(ref _errors);
            failure = errors > 0 ? $"{errors} connection(s) ended with a protocol error (see the log)" : null;
            exitCode = failure is null ? ExitCodes.Done : ExitCodes.Failed;
        }
        catch (RunFailedException e)
        {
            _log.Info(e.Message);
            (failure, exitCode) = (e.Message, e.ExitCode);
        }

        RunSummary summary = BuildSummary().Add("error", failure).Add("exit_code", exitCode);
        await Console.Error.WriteLineAsync(summary.ToTable("rawframes-relay summary"));
        if (options.Json)
        {
            await Console.Out.WriteLineAsync(summary.ToJson());
        }

        return exitCode;
    }

    private async Task RelayAsync(CancellationToken cancellationToken)
    {
        var listeners = new List<FrameListener>();
        HttpViewer? viewer = null;
        try
        {
            if (options.Listen is { } listen)
            {
                listeners.Add(await FrameListener.StartAsync(listen, cancellationToken: cancellationToken));
            }

            foreach (FrameEndpoint serve in options.Serve)
            {
                listeners.Add(await FrameListener.StartAsync(serve, cancellationToken: cancellationToken));
            }

            if (options.Http is { } http)
            {
                viewer = await HttpViewer.StartAsync(http, cancellationToken);
                viewer.MoreState = _hub.State;
            }
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidOperationException)
        {
            listeners.ForEach(l => l.Dispose());
            throw RunFailedException.Usage($"cannot listen: {e.Message}");
        }

        FrameListener? producers = options.Listen is null ? null : listeners[0];
        FrameListener[] subscribers = [.. listeners.Skip(producers is null ? 0 : 1)];
        if (producers is not null)
        {
            _log.Info($"producers connect to {producers.Endpoint}");
        }

        foreach (FrameListener listener in subscribers)
        {
            _log.Info($"subscribers connect to {listener.Endpoint}");
        }

        await using (viewer)
        using (cancellationToken.Register(() => _stopIngest.Cancel()))
        await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "relay", Console.Error, () => $"  subscribers {_hub.Count}"))
        {
            ViewerFeed? feed = null;
            Task viewing = Task.CompletedTask;
            if (viewer is not null)
            {
                _log.Info($"browser view on {viewer.Url} (state with every subscriber at /state)");
                feed = new ViewerFeed(viewer, _transcoder);
                _hub.Add(feed);
                viewing = feed.RunAsync(_stopServing.Token);
            }

            Task[] serving = [.. subscribers.Select(l => l.AcceptEachAsync(ServeSubscriberAsync, _stopServing.Token))];
            Task ingest = Task.WhenAll(
                producers?.AcceptEachAsync(ServeProducerAsync, _stopIngest.Token) ?? Task.CompletedTask,
                options.From is { } from ? FollowUpstreamAsync(from, _stopIngest.Token) : Task.CompletedTask);
            await ingest;
            if (producers is not null)
            {
                await producers.ServingEnded;
            }

            // Producers are gone: subscribers take what is queued, then get END.
            _hub.CompleteAll();
            Task drained = Task.WhenAll(subscribers.Select(l => l.ServingEnded));
            if (await Task.WhenAny(drained, Task.Delay(s_drainTimeout, CancellationToken.None)) != drained)
            {
                _log.Info($"subscribers still busy after {s_drainTimeout.TotalSeconds:0} s; closing them");
            }

            await _stopServing.CancelAsync();
            await Task.WhenAll(serving);
            await Task.WhenAll(subscribers.Select(l => l.ServingEnded));
            await viewing;
            feed?.Queue.Dispose();
        }

        listeners.ForEach(l => l.Dispose());
    }

    public void Dispose()
    {
        _transcoder.Dispose();
        _stopIngest.Dispose();
        _stopServing.Dispose();
    }

    private async Task ServeProducerAsync(Socket socket, long id)
    {
        // Towards producers the relay is a consumer: it acknowledges when asked, and reads shared memory on a Unix socket.
        if (await OpenAsync(socket, ConnectionOptions(PeerRole.Consumer, Capabilities.Ack | Capabilities.SharedMemory), "producer", _stopIngest.Token)
            is not { } connection)
        {
            return;
        }

        Interlocked.Increment(ref _producers);
        _log.Info($"producer connected: {connection.Remote} ({connection.PeerHello.Software ?? "unnamed"}) over {connection.TransportName}");
        string reason = await IngestAsync(connection, id, _stopIngest.Token);
        _log.Info($"producer disconnected: {connection.Remote}: {reason}");
        await connection.DisposeAsync();
        if (options.Once)
        {
            await _stopIngest.CancelAsync();
        }
    }

    // Chaining relays: this relay is a subscriber of another, and follows it across restarts.
    private async Task FollowUpstreamAsync(FrameEndpoint from, CancellationToken stop)
    {
        ConnectionOptions request = ConnectionOptions(PeerRole.Consumer, Capabilities.SharedMemory) with { Subscription = options.Upstream };
        var backoff = default(Backoff);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using FrameConnection connection = await FrameConnection.ConnectAsync(from, request, stop);
                backoff.Reset();
                _log.Info($"subscribed to {from} over {connection.TransportName}");
                // Negative ids: apart from the producers' connection numbers.
                string reason = await IngestAsync(connection, -Interlocked.Increment(ref _upstreamConnections), stop);
                _log.Info($"upstream {from}: {reason}");
                if (options.Once)
                {
                    await _stopIngest.CancelAsync();
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or ProtocolException)
            {
                _log.Info($"upstream {from}: {e.Message}; retrying");
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(backoff.Next(), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // One producer connection (or the upstream subscription) into the hub. Returns why it ended.
    private async Task<string> IngestAsync(FrameConnection connection, long id, CancellationToken stop)
    {
        // PROTOCOL.md §16: two producers' streams with one id are relayed as two streams, never merged.
        using ConnectionStreams ids = _streamIds.ForConnection(id, (sent, given, heldBy) => _log.Info(
            $"stream {sent} from {connection.Remote} is also sent by another producer (connection {heldBy}); it is relayed as stream {given}"));
        try
        {
            while (true)
            {
                Message message = await connection.ReadAsync(stop);
                switch (message.Type)
                {
                    case MessageType.Frame:
                        _totals.AddFrame(message.Payload.Length);
                        _hub.Publish(message, ids[message.Frame.StreamId]);
                        break;
                    case MessageType.End:
                        await connection.SendEndAsync();
                        return "end of stream";
                    case MessageType.None:
                        return "closed without END";
                    case MessageType.Error:
                        ErrorMessage error = message.ReadError();
                        return $"it sent error {(uint)error.Code} {error.Code}: {error.Reason}";
                }
            }
        }
        catch (ProtocolException e)
        {
            Interlocked.Increment(ref _errors);
            return $"protocol error {(uint)e.Code} {e.Code}: {e.Message}";
        }
        catch (OperationCanceledException)
        {
            await connection.SendErrorAsync(ErrorCode.ShuttingDown, "the relay is shutting down");
            return "the relay is stopping";
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return $"connection lost: {e.Message}";
        }
    }

    private async Task ServeSubscriberAsync(Socket socket, long _)
    {
        // Towards subscribers the relay is a producer; shared memory is used on Unix sockets when the subscriber asks (shm://).
        if (await OpenAsync(socket, ConnectionOptions(PeerRole.Producer, Capabilities.SharedMemory), "subscriber", _stopServing.Token) is not { } connection)
        {
            return;
        }

        Subscription subscription = connection.PeerHello.Subscription ?? Subscription.Default;
        var subscriber = new Subscriber(Interlocked.Increment(ref _subscriberIds), connection, subscription, options.Queue, _transcoder);
        IReadOnlyDictionary<string, object?> state = subscriber.ToState();
        _log.Info($"subscriber {subscriber.Id}: {connection.Remote} over {connection.TransportName}, {state["policy"]}"
            + (subscription.Policy == DeliveryPolicy.Lossless ? $" (queue {subscriber.Queue.Capacity}, when full: {state["when_full"]})" : "")
            + $", {state["codec"]}");
        _hub.Add(subscriber);
        try
        {
            await subscriber.RunAsync(_stopServing.Token);
        }
        finally
        {
            _hub.Remove(subscriber);
            _log.Info($"subscriber {subscriber.Id} ended: {subscriber.Ended} ({subscriber.Queue.Offered} offered, {subscriber.ToState()["sent"]} sent, {subscriber.Queue.Dropped} dropped)");
        }
    }

    private ConnectionOptions ConnectionOptions(PeerRole role, Capabilities capabilities) => new()
    {
        Role = role,
        Capabilities = capabilities,
        IdleTimeout = options.IdleTimeout,
        Software = "rawframes-relay/1",
    };

    // The opening as the accepting side; a peer that fails it is logged and dropped.
    private async Task<FrameConnection?> OpenAsync(Socket socket, ConnectionOptions connectionOptions, string who, CancellationToken stop)
    {
        try
        {
            return await FrameConnection.AcceptAsync(socket, connectionOptions, stop);
        }
        catch (ProtocolException e) when (e.PeerSentNothing)
        {
            // A TCP health check or a port scan: counted, not logged each time.
            if (Interlocked.Increment(ref _probes) == 1)
            {
                _log.Info($"{e.Message}; such connections are counted as probes, not errors");
            }

            return null;
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or OperationCanceledException)
        {
            _log.Info($"a {who}'s opening failed: {e.Message}");
            return null;
        }
    }

    private RunSummary BuildSummary()
    {
        RunSummary summary = new RunSummary().Add("producers", Interlocked.Read(ref _producers)).Add("probes", Interlocked.Read(ref _probes));
        _totals.AddTo(summary)
            .Add("subscribers", Interlocked.Read(ref _subscriberIds))
            .Add("frames_unwatched", _hub.Unwatched)
            .Add("made", _transcoder.Made())
            .Add("unconverted", _transcoder.Failed)
            .Add("subscriptions", _hub.State().ToArray());
        return summary;
    }
}
