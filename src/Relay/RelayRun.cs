using Microsoft.Extensions.Logging;
using RawFrames.Client.Connecting;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Relay.Fanout;
using RawFrames.Streaming.Cli;
using RawFrames.Streaming.Receiving;
using RawFrames.Streaming.Recording;
using RawFrames.Streaming.Sinks;
using RawFrames.Streaming.Stats;
using RawFrames.Streaming.Streams;
using RawFrames.Streaming;
using RawFrames.Viewer;

namespace RawFrames.Relay;

/// <summary>
/// receiver sessions (producers, and/or an upstream relay) → hub → sender sessions (subscribers) and browsers.
/// Producers connect as to a receiver; subscribers connect as consumers and say in HELLO how they want frames
/// (PROTOCOL.md §16). Stopping ends the producers first, then lets every subscriber take what is queued, then ends
/// the subscriptions with END.
/// </summary>
internal sealed partial class RelayRun : IAsyncDisposable
{
    private const int MaxPeers = 1024;
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(5);

    private readonly Log _log = new("relay");
    private readonly TransferTotals _totals = new();
    private readonly FrameBuffers _buffers = new();
    private readonly FrameHub _hub;
    private readonly CodecPool _codecs;
    private readonly CancellationTokenSource _stopConnecting = new();
    private readonly CancellationTokenSource _stopServing = new();
    private TensorBatcher? _batcher;
    private RecorderSink? _recorder;
    private ConnectionFeed? _feed;
    private FrameReceiver? _producers;
    private FrameReceiver? _upstream;
    private HttpViewer? _viewer;
    private int _ingestStopping;
    private long _producerCount;
    private long _subscriberIds;
    private long _errors;
    private long _subscriberProbes;
    private readonly RelayOptions options;

    public RelayRun(RelayOptions options)
    {
        this.options = options;
        _codecs = new CodecPool(options.Encoder);
        _hub = new FrameHub(_buffers);
    }

    /// <summary>Runs until stopped; prints the summary (and the JSON line) on every exit, with the error if there was one.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        string? failure;
        int exitCode;
        var transcoder = new Transcoder(_codecs);
        try
        {
            await RelayAsync(transcoder, cancellationToken);
            long errors = Interlocked.Read(ref _errors);
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

        RunSummary summary = new RunSummary()
            .Add("producers", Interlocked.Read(ref _producerCount))
            .Add("probes", (_producers?.Probes ?? 0) + Interlocked.Read(ref _subscriberProbes));
        RecordOptions.AddTo(_totals.AddTo(summary), _recorder)
            .Add("subscribers", Interlocked.Read(ref _subscriberIds))
            .Add("frames_unwatched", _hub.Unwatched)
            .Add("model", options.Model is { } model ? ModelSummary.Describe(model) : null)
            .Add("batch", options.Model is null ? null : options.Batch)
            .Add("model_batches", _batcher?.Published ?? 0)
            .Add("model_inputs", _batcher?.Images ?? 0)
            .Add("model_failed", _batcher?.Failed ?? 0)
            .Add("made", transcoder.Made())
            .Add("unconverted", transcoder.Failed)
            .Add("max_queued_mib", options.QueueBudget.PerSubscriber / QueueBudget.Mebibyte)
            .Add("max_total_queued_mib", options.QueueBudget.Total / QueueBudget.Mebibyte)
            .Add("memory_given_back", _buffers.GivenBack)
            .Add("subscriptions", _hub.State().ToArray())
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
        if (_producers is not null)
        {
            await _producers.DisposeAsync();
        }

        if (_recorder is not null)
        {
            await _recorder.DisposeAsync();
        }

        if (_batcher is not null)
        {
            await _batcher.DisposeAsync();
        }

        _codecs.Dispose();
        _stopConnecting.Dispose();
        _stopServing.Dispose();
    }

    private async Task RelayAsync(Transcoder transcoder, CancellationToken cancellationToken)
    {
        _recorder = options.Record?.Start(_log);
        if (options.Model is { } model)
        {
            _batcher = new TensorBatcher(model, options.Batch, _hub, options.BatchWait);
            _log.Info($"subscribers get model inputs: {model.Describe()}, {options.Batch} per frame ({TensorWire.WireName(model.PixelFormat())}, PROTOCOL.md §7.2, §17)");
        }

        var acceptors = new List<ConnectionAcceptor>();
        HttpViewer? viewer = null;
        try
        {
            if (options.Listen is { } listen)
            {
                _producers = await FrameReceiver.ListenAsync(listen.Text, ReceiverOptions(), cancellationToken);
                _log.Info($"producers connect to {_producers.Endpoint}");
            }

            foreach (FrameEndpoint serve in options.Serve)
            {
                ConnectionAcceptor acceptor = await ConnectionAcceptor.StartAsync(serve, SubscriberOptions(), MaxPeers, "at most 1024 subscribers",
                    _log.Factory.CreateLogger<RelayRun>(), cancellationToken);
                acceptors.Add(acceptor);
                _log.Info($"subscribers connect to {acceptor.Endpoint}");
            }

            if (options.Http is { } http)
            {
                viewer = await HttpViewer.StartAsync(http, _codecs, cancellationToken);
                viewer.MoreState = _hub.State;
                viewer.ResultBudget = options.ResultWait;
                _viewer = viewer;
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            foreach (ConnectionAcceptor acceptor in acceptors)
            {
                await acceptor.DisposeAsync();
            }

            throw RunFailedException.Usage($"cannot listen: {e.Message}");
        }

        // --model: the decode stage makes model inputs of every frame on every core, the batcher publishes them.
        // --record: the recorder sees every incoming frame beside the hub, through a queue of its own.
        ISink[] sinks = [new TotalsSink(_totals), .. _recorder is null ? Array.Empty<ISink>() : [_recorder], _batcher is null ? _hub : _batcher];
        SinkPipeline pipeline = _batcher is null
            ? new SinkPipeline(sinks, null, 1, _codecs, measurePsnr: false)
            : new SinkPipeline(sinks, DecodeTarget.Tensor, Environment.ProcessorCount, _codecs, measurePsnr: false, options.Model);
        _feed = new ConnectionFeed(new StreamIds(), pipeline, _totals, _log, budget: null, clockSynced: false, given => $"it is relayed as stream {given}");
        await using (viewer)
        using (cancellationToken.Register(() => StopIngest(shuttingDown: true)))
        await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "relay", Console.Error, () => $"  subscribers {_hub.Count}"))
        {
            ViewerFeed? feed = null;
            Task viewing = Task.CompletedTask;
            if (viewer is not null)
            {
                _log.Info($"browser view on {viewer.Url} (state with every subscriber at /state)");
                feed = new ViewerFeed(viewer, transcoder);
                _hub.Add(feed);
                viewing = feed.RunAsync(_stopServing.Token);
            }

            Task[] serving = [.. acceptors.Select(acceptor => ServeSubscribersAsync(acceptor, transcoder)), await PublishToNatsAsync()];
            Task givingBack = _buffers.GiveBackAfterBurstsAsync(options.QueueBudget, _log, _stopServing.Token);
            await Task.WhenAll(
                _producers is null ? Task.CompletedTask : IngestAllAsync(_producers, connection => connection.Id, countsAsProducer: true),
                options.From is { } from ? FollowUpstreamAsync(from) : Task.CompletedTask,
                options.NatsFrom is { } nats ? FollowNatsAsync(nats) : Task.CompletedTask);

            // Producers are gone: subscribers take what is queued, then get END.
            _hub.CompleteAll();
            foreach (ConnectionAcceptor acceptor in acceptors)
            {
                acceptor.Stop();
            }

            Task drained = Task.WhenAll(serving);
            if (await Task.WhenAny(drained, Task.Delay(s_drainTimeout, CancellationToken.None)) != drained)
            {
                _log.Info($"subscribers still busy after {s_drainTimeout.TotalSeconds:0} s; closing them");
            }

            await _stopServing.CancelAsync();
            await drained;
            await viewing;
            await givingBack;
            feed?.Queue.Dispose();
        }

        foreach (ConnectionAcceptor acceptor in acceptors)
        {
            Interlocked.Add(ref _subscriberProbes, acceptor.Probes);
            await acceptor.DisposeAsync();
        }
    }

    // A signal: producers are told ShuttingDown (they reconnect to whoever listens next); --once: END.
    private void StopIngest(bool shuttingDown)
    {
        Interlocked.Exchange(ref _ingestStopping, 1);
        _stopConnecting.Cancel();
        _ = _producers?.StopAsync(shuttingDown);
        _ = Volatile.Read(ref _upstream)?.StopAsync(shuttingDown);
    }

    // Towards producers (and an upstream relay) the relay is a receiver.
    private FrameReceiverOptions ReceiverOptions() => new()
    {
        IdleTimeout = options.IdleTimeout,
        MaxConnections = MaxPeers,
        MaxConnectionsName = "at most 1024 producers",
        Software = "rawframes-relay/1",
        LoggerFactory = _log.Factory,
    };

    // Towards subscribers the relay is a producer; shared memory is used on Unix sockets when the subscriber asks (shm://).
    private ConnectionOptions SubscriberOptions() => new()
    {
        Role = PeerRole.Producer,
        // With --record or --http, subscribers may answer frames with RESULTs (PROTOCOL.md §10.2): recorded beside the
        // frames, and drawn by the browser view on the frames they name (§20).
        Capabilities = Capabilities.SharedMemory | (options.Record is null && options.Http is null ? 0 : Capabilities.Result),
        IdleTimeout = options.IdleTimeout,
        Software = "rawframes-relay/1",
        // A ring's slots are sized by the first frame; with --model every full batch is the same size.
        SharedMemorySlotSize = options.Model is { } model ? model.ByteCount * options.Batch : 0,
    };
}
