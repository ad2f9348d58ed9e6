using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Relay.Fanout;
using RawFrames.Programs;
using RawFrames.Programs.Cli;
using RawFrames.Programs.Receiving;
using RawFrames.Programs.Sinks;
using RawFrames.Programs.Stats;
using RawFrames.Programs.Streams;
using RawFrames.Viewer;

namespace RawFrames.Relay;

/// <summary>
/// The relay as a composition: its ingest (producers, an upstream relay, NATS publishers) → the sinks (totals, the
/// recording, model inputs) → the library's <see cref="FrameServer"/> → subscribers, the browser view and NATS.
/// Producers connect as to a receiver; subscribers connect as consumers and say in HELLO how they want frames
/// (PROTOCOL.md §16). Stopping ends the producers first, then lets every subscriber take what is queued, then ends
/// the subscriptions with END.
/// </summary>
internal sealed class RelayRun(RelayOptions options) : IAsyncDisposable
{
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(5);

    private readonly Log _log = new("relay");
    private readonly TransferTotals _totals = new();
    private readonly CodecPool _codecs = new(options.Encoder);
    private FrameServer? _server;
    private RelayIngest? _ingest;
    private TensorBatcher? _batcher;
    private RecordingSink? _recorder;
    private HttpViewer? _viewer;
    private NatsPublishing? _publishing;

    /// <summary>Runs until stopped; prints the summary (and the JSON line) on every exit, with the error if there was one.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        string? failure;
        int exitCode;
        try
        {
            await RelayAsync(cancellationToken);
            long errors = _ingest?.Errors ?? 0;
            failure = errors > 0 ? $"{errors} connection(s) ended with a protocol error (see the log)" : null;
            if (_recorder is { } recorder)
            {
                await recorder.DisposeAsync(); // what is queued is written (or counted as left out) before it is judged
                failure ??= recorder.Dropped > 0 ? $"--record left {recorder.Dropped} frame(s) out of the recording ({recorder.Failure ?? "the disk did not keep up"})" : null;
            }

            exitCode = failure is null ? ExitCodes.Done : ExitCodes.Failed;
        }
        catch (RunFailedException e)
        {
            _log.Info(e.Message);
            (failure, exitCode) = (e.Message, e.ExitCode);
        }

        IReadOnlyList<ServedSubscriber> subscribers = _server?.Subscribers ?? [];
        RunSummary summary = new RunSummary()
            .Add("producers", _ingest?.Producers ?? 0)
            .Add("probes", (_ingest?.Probes ?? 0) + (_server?.Probes ?? 0));
        RecordOptions.AddTo(_totals.AddTo(summary), _recorder)
            .Add("subscribers", subscribers.Count(subscriber => subscriber.Id > 0))
            .Add("frames_unwatched", _server?.Unwatched ?? 0)
            .Add("model", options.Model is { } model ? ModelSummary.Describe(model) : null)
            .Add("batch", options.Model is null ? null : options.Batch)
            .Add("model_batches", _batcher?.Published ?? 0)
            .Add("model_inputs", _batcher?.Images ?? 0)
            .Add("model_failed", _batcher?.Failed ?? 0)
            .Add("made", SubscriberStates.Made(_server?.Conversions ?? new Dictionary<Codec, long>()))
            .Add("unconverted", _server?.Unconverted ?? 0)
            .Add("max_queued_mib", options.MaxQueuedMib)
            .Add("max_total_queued_mib", options.MaxTotalQueuedMib)
            .Add("memory_given_back", _server?.MemoryGivenBack ?? 0)
            .Add("subscriptions", States())
            .Add("error", failure)
            .Add("exit_code", exitCode);
        await Console.Error.WriteLineAsync(summary.ToTable("rawframes-relay summary"));
        if (options.Json)
        {
            await Console.Out.WriteLineAsync(summary.ToJson());
        }

        return exitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ingest is not null)
        {
            await _ingest.DisposeAsync();
        }

        if (_recorder is not null)
        {
            await _recorder.DisposeAsync();
        }

        if (_batcher is not null)
        {
            await _batcher.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _codecs.Dispose();
    }

    private async Task RelayAsync(CancellationToken cancellationToken)
    {
        _recorder = options.Record?.Start(_log);
        var ingest = _ingest = new RelayIngest(options, _log);
        FrameServer server;
        try
        {
            await ingest.ListenAsync(cancellationToken);
            _server = server = await FrameServer.StartAsync(options.Serve.Select(serve => serve.Text), ServerOptions(), cancellationToken);
            foreach (string endpoint in server.Endpoints)
            {
                _log.Info($"subscribers connect to {endpoint}");
            }

            if (options.Http is { } http)
            {
                _viewer = await HttpViewer.StartAsync(http, _codecs, cancellationToken);
                _viewer.MoreState = States;
                _viewer.ResultBudget = options.ResultWait;
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            throw RunFailedException.Usage($"cannot listen: {e.Message}");
        }

        if (options.Model is { } model)
        {
            _batcher = new TensorBatcher(model, options.Batch, server, options.BatchWait);
            _log.Info($"subscribers get model inputs: {model.Describe()}, {options.Batch} per frame ({TensorWire.WireName(model.PixelFormat())}, PROTOCOL.md §7.2, §17)");
        }

        // --model: the decode stage makes model inputs of every frame on every core, the batcher publishes them.
        // --record: the recorder sees every incoming frame beside the server, through a queue of its own.
        var replayed = new ReplayedStreams();
        ISink[] sinks = [new TotalsSink(_totals), .. _recorder is null ? Array.Empty<ISink>() : [_recorder], _batcher is null ? new ServerSink(server, replayed) : _batcher];
        using var pipeline = new SinkPipeline(sinks, _batcher is null ? null : new SinkPipelineOptions { DecodeTo = DecodeTarget.Tensor, Tensor = options.Model });
        var feed = new ConnectionFeed(new StreamIds(), pipeline, _totals, _log, budget: null, clockSynced: false, given => $"it is relayed as stream {given}");
        await using (_viewer)
        using (cancellationToken.Register(() => ingest.Stop(shuttingDown: true)))
        await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "relay", Console.Error, () => $"  subscribers {server.SubscriberCount}"))
        {
            using var stopBridges = new CancellationTokenSource();
            Task viewing = Task.CompletedTask;
            if (_viewer is { } viewer)
            {
                _log.Info($"browser view on {viewer.Url} (state with every subscriber at /state)");
                var feedView = new ViewerFeed(viewer, server.Subscribe(new LocalSubscriptionOptions { Name = "browser view", Policy = DeliveryPolicy.Latest }), replayed);
                viewing = feedView.RunAsync(stopBridges.Token);
            }

            Task publishing = await PublishToNatsAsync(server, stopBridges.Token);
            await ingest.RunAsync(feed);

            // Producers are gone: subscribers take what is queued, then get END.
            await server.CompleteAsync(s_drainTimeout);
            await stopBridges.CancelAsync();
            await viewing;
            await publishing;
        }
    }

    // --publish nats://...: one more subscriber of the server, publishing; its task ends when the server completes it.
    private async Task<Task> PublishToNatsAsync(FrameServer server, CancellationToken stop)
    {
        if (options.NatsPublish is not { } address)
        {
            return Task.CompletedTask;
        }

        FrameSender publisher;
        try
        {
            publisher = await FrameSender.ConnectAsync(address.Text,
                new FrameSenderOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Software = "rawframes-relay", LoggerFactory = _log.Factory }, stop);
        }
        catch (Exception e) when (e is IOException or ProtocolException)
        {
            throw RunFailedException.Usage($"--publish {address.Display}: {e.Message}");
        }

        LocalSubscription subscription = server.Subscribe(new LocalSubscriptionOptions { Name = address.Display, Transport = "nats", QueueFrames = options.Queue });
        _publishing = new NatsPublishing(address, publisher, subscription, _log);
        _log.Info($"publishing on {address.Server} under {address.Subject}.STREAM.CODEC");
        return RunAndDisposeAsync(_publishing);

        async Task RunAndDisposeAsync(NatsPublishing publishing)
        {
            await using (publisher)
            {
                await publishing.RunAsync(stop);
            }
        }
    }

    // A subscriber's RESULT (e.g. a model's detections): recorded with --record, drawn by the browser view with --http.
    private void OnResult(FrameResult result)
    {
        _recorder?.OnResult(result);
        if (result.IsJson)
        {
            _viewer?.OnResult(result.StreamId, result.Sequence, result.Data);
        }
    }

    // Every subscriber, as /state and the summary show them (the NATS bridge with what NATS refused).
    private IReadOnlyList<IReadOnlyDictionary<string, object?>> States() =>
        [.. (_server?.Subscribers ?? []).Select(subscriber =>
            SubscriberStates.Of(subscriber, subscriber == _publishing?.Subscription ? _publishing.Refused : null))];

    private FrameServerOptions ServerOptions() => new()
    {
        QueueFrames = options.Queue,
        MaxQueuedBytes = options.MaxQueuedMib * Mebibyte,
        MaxTotalQueuedBytes = options.MaxTotalQueuedMib * Mebibyte,
        Encoder = options.Encoder,
        // With --record or --http, subscribers may answer frames with RESULTs (PROTOCOL.md §10.2): recorded beside the
        // frames, and drawn by the browser view on the frames they name (§20).
        OnResult = options.Record is null && options.Http is null ? null : OnResult,
        IdleTimeout = options.IdleTimeout,
        Software = "rawframes-relay/1",
        // A ring's slots are sized by the first frame; with --model every full batch is the same size.
        SharedMemorySlotSize = options.Model is { } model ? model.ByteCount * options.Batch : 0,
        // --model: every frame is a model input; a subscriber that cannot read them is refused in words (PROTOCOL.md §7.2).
        ServesModelInputs = options.Model is not null,
        LoggerFactory = _log.Factory,
    };

    private const long Mebibyte = 1 << 20;
}
