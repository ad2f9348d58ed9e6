using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RawFrames.Client.Connecting;
using RawFrames.Client.Logging;
using RawFrames.Client.Serving;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// Serves frames to subscribers, as <c>rawframes-relay</c> does: consumers connect (tcp://, unix://, shm:// for shared
/// memory on a Unix socket) and say in HELLO how they want frames (PROTOCOL.md §16): every frame through a bounded
/// queue or only the newest, one stream or all, a codec of their choice. <see cref="Publish(FrameInfo, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
/// copies a frame once for all of them and never waits: a slow subscriber drops frames or is cut, never the
/// publisher. A codec asked for is made at most once per frame, whoever asks. Subscribers' RESULTs come back through
/// <see cref="FrameServerOptions.OnResult"/>. In-process consumers subscribe with <see cref="Subscribe"/>.
/// <see cref="CompleteAsync"/> lets every subscriber take what is queued and ends it with END.
/// </summary>
public sealed class FrameServer : IAsyncDisposable
{
    private readonly FrameServerOptions _options;
    private readonly FrameBuffers _buffers = new();
    private readonly FrameHub _hub;
    private readonly QueueBudget _budget;
    private readonly ILogger _log;
    private readonly List<ConnectionAcceptor> _acceptors = [];
    private readonly List<Task> _serving = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _givingBack;
    private long _ids;
    private long _localIds;
    private int _completed;
    private Task? _completion;
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FrameServer(FrameServerOptions options)
    {
        _options = options;
        _hub = new FrameHub(_buffers);
        _budget = new QueueBudget(options.MaxQueuedBytes, options.MaxTotalQueuedBytes);
        _log = options.LoggerFactory?.CreateLogger<FrameServer>() ?? NullLogger<FrameServer>.Instance;
        Codecs = new CodecPool(options.Encoder);
        Transcoder = new Transcoder(Codecs);
        _givingBack = _buffers.GiveBackAfterBurstsAsync(_budget, _log, _stop.Token);
    }

    /// <summary>Where subscribers connect, with the port the system chose for port 0.</summary>
    public IReadOnlyList<string> Endpoints => [.. _acceptors.Select(acceptor => acceptor.Endpoint.ToString())];

    /// <summary>Subscribers served now (remote and local).</summary>
    public int SubscriberCount => _hub.Count;

    /// <summary>
    /// Completes once at least <paramref name="count"/> subscribers (remote and local) are served, each registered so
    /// that it gets every frame published from then on: e.g. publish only once someone is watching.
    /// </summary>
    public async Task WaitForSubscribersAsync(int count, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task added = Volatile.Read(ref _added).Task; // read before the count, so an Add in between still wakes us
            if (_hub.Count >= count)
            {
                return;
            }

            await added.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every subscriber, current and ended, by id: policies, queues, drops, why each ended.</summary>
    public IReadOnlyList<ServedSubscriber> Subscribers => _hub.All();

    /// <summary>Frames published that no subscriber wanted: never copied.</summary>
    public long Unwatched => _hub.Unwatched;

    /// <summary>Connections that closed before their first byte (port checks, health probes).</summary>
    public long Probes => _acceptors.Sum(acceptor => acceptor.Probes);

    /// <summary>
    /// Frames made per codec for subscribers that asked for one (<see cref="Codec.Raw"/>: decoded to BGR24): each
    /// frame is made at most once per codec, however many subscribers want it.
    /// </summary>
    public IReadOnlyDictionary<Codec, long> Conversions => Transcoder.Made();

    /// <summary>Frames that could not be converted (corrupt, or a raw pixel format with no BGR path) and went as they came.</summary>
    public long Unconverted => Transcoder.Failed;

    /// <summary>How many times the server gave memory back after a burst (a stalled subscriber's queue that emptied).</summary>
    public int MemoryGivenBack => _buffers.GivenBack;

    internal CodecPool Codecs { get; }

    internal Transcoder Transcoder { get; }

    /// <summary>A server listening for subscribers on each of <paramref name="endpoints"/> (none: local subscribers only).</summary>
    /// <exception cref="FormatException">An endpoint is not tcp://, unix:// or shm://.</exception>
    /// <exception cref="IOException">An endpoint cannot be listened on (in use, a path that is not a stale socket).</exception>
    public static async Task<FrameServer> StartAsync(IEnumerable<string> endpoints, FrameServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        FrameEndpoint[] parsed = [.. endpoints.Select(FrameEndpoint.Parse)];
        var server = new FrameServer(options ?? new FrameServerOptions());
        try
        {
            foreach (FrameEndpoint endpoint in parsed)
            {
                ConnectionAcceptor acceptor = await ConnectionAcceptor.StartAsync(endpoint, server.SubscriberOptions(), server._options.MaxSubscribers,
                    $"at most {server._options.MaxSubscribers} subscribers", server._log, cancellationToken).ConfigureAwait(false);
                server._acceptors.Add(acceptor);
                server._serving.Add(server.ServeAsync(acceptor));
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>
    /// Offers a frame to every subscriber that wants its stream, copying it once if any does; never waits. The
    /// frame's stream, sequence and timestamp are delivered as given (as with <see cref="FrameSender.SendFrameAsync"/>,
    /// a timestamp of 0 means now and a raw stride of 0 means packed rows).
    /// </summary>
    /// <returns>False when no subscriber wanted it (nothing was copied).</returns>
    /// <exception cref="ArgumentException">The frame breaks a rule of PROTOCOL.md §6.1 or §7 (no receiver would take it).</exception>
    public bool Publish(FrameInfo info, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> metadata = default)
    {
        FrameHeader header = info.ToHeader(metadata.Length);
        FrameInfo.Check(header, payload.Length);
        return _hub.Publish(header, metadata, payload);
    }

    /// <summary>
    /// Offers a frame whose payload (the first <paramref name="length"/> bytes of <paramref name="payload"/>) the
    /// server takes over without copying: it is disposed when the last subscriber is done with it, or at once when no
    /// subscriber wants the stream. For large frames the caller made for serving (a batch of model inputs).
    /// </summary>
    /// <inheritdoc cref="Publish(FrameInfo, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
    public bool Publish(FrameInfo info, IMemoryOwner<byte> payload, int length, ReadOnlySpan<byte> metadata = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, payload.Memory.Length);
        FrameHeader header = info.ToHeader(metadata.Length);
        try
        {
            FrameInfo.Check(header, length);
        }
        catch
        {
            payload.Dispose();
            throw;
        }

        return _hub.Publish(header, metadata, payload, length);
    }

    /// <summary>An in-process subscriber with a policy and a queue of its own; dispose it to leave.</summary>
    public LocalSubscription Subscribe(LocalSubscriptionOptions? options = null)
    {
        var subscription = new LocalSubscription(this, Interlocked.Decrement(ref _localIds), options ?? new LocalSubscriptionOptions(), _options.QueueFrames, _budget);
        Added(subscription);
        if (Volatile.Read(ref _completed) != 0)
        {
            subscription.Queue.Complete(); // came while the server was completing (checked after Add, so none slips between)
        }

        return subscription;
    }

    /// <summary>
    /// Stops taking subscribers and ends every subscription after what is queued for it (END on the wire); a
    /// subscriber still busy after <paramref name="drainTimeout"/> is closed. Returns when every remote subscriber
    /// has ended. Publishing after it offers to nobody.
    /// </summary>
    public Task CompleteAsync(TimeSpan drainTimeout)
    {
        // The first call completes; a later one (DisposeAsync's) waits for that one instead of racing it.
        lock (_acceptors)
        {
            if (_completion is null)
            {
                Volatile.Write(ref _completed, 1);
                _completion = CompleteOnceAsync(drainTimeout);
            }

            return _completion;
        }
    }

    private async Task CompleteOnceAsync(TimeSpan drainTimeout)
    {
        _hub.CompleteAll();
        foreach (ConnectionAcceptor acceptor in _acceptors)
        {
            acceptor.Stop();
        }

        Task drained = Task.WhenAll(_serving);
        if (await Task.WhenAny(drained, Task.Delay(drainTimeout, CancellationToken.None)).ConfigureAwait(false) != drained)
        {
            ClientLog.SubscribersStillBusy(_log, drainTimeout.TotalSeconds);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await drained.ConfigureAwait(false);
        await _givingBack.ConfigureAwait(false);
    }

    /// <summary>Ends every subscription at once (<see cref="CompleteAsync"/> with no time to drain) and closes the listeners.</summary>
    public async ValueTask DisposeAsync()
    {
        await CompleteAsync(TimeSpan.Zero).ConfigureAwait(false);
        foreach (ConnectionAcceptor acceptor in _acceptors)
        {
            await acceptor.DisposeAsync().ConfigureAwait(false);
        }

        Codecs.Dispose();
        _stop.Dispose();
    }

    internal void Remove(LocalSubscription subscription) => _hub.Remove(subscription);

    // Into the hub, then wake whoever waits for subscribers.
    private void Added(ServedSubscriber subscriber)
    {
        _hub.Add(subscriber);
        Interlocked.Exchange(ref _added, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task ServeAsync(ConnectionAcceptor acceptor)
    {
        var serving = new List<Task>();
        await foreach (ConnectionAcceptor.Admission admission in acceptor.AcceptAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            serving.Add(ServeAsync(admission));
        }

        await Task.WhenAll(serving).ConfigureAwait(false);
    }

    private async Task ServeAsync(ConnectionAcceptor.Admission admission)
    {
        using (admission)
        {
            FrameConnection connection = admission.Connection;
            if (_options.ServesModelInputs && !connection.Negotiated.HasFlag(Capabilities.ModelInputs))
            {
                // PROTOCOL.md §7.2: model inputs go only to a peer that said it can read them.
                ClientLog.Refused(_log, connection.Remote, "it cannot read model inputs (no MODEL_INPUTS in its HELLO)");
                await connection.SendErrorAsync(ErrorCode.NotCapable,
                    "this relay serves model inputs (tensor pixel formats 8-13 in batches, PROTOCOL.md §7.2, §17), and your HELLO does not set capability bit 3 (MODEL_INPUTS): subscribe with a client that reads them, or to a relay without --model").ConfigureAwait(false);
                return;
            }

            Subscription subscription = connection.PeerHello.Subscription ?? Subscription.Default;
            var subscriber = new RemoteSubscriber(Interlocked.Increment(ref _ids), connection, subscription, _options.QueueFrames, _budget, Transcoder, _options.OnResult);
            Added(subscriber); // before the log line, so that a script that waits for the line misses no frame
            if (Volatile.Read(ref _completed) != 0)
            {
                subscriber.Queue.Complete(); // came while the server was completing: END at once
            }

            ClientLog.SubscriberAdded(_log, subscriber.Id, Describe(subscriber));
            try
            {
                await subscriber.RunAsync(_stop.Token).ConfigureAwait(false);
            }
            finally
            {
                _hub.Remove(subscriber);
                ClientLog.SubscriberEnded(_log, subscriber.Id, subscriber.Ended ?? "ended", subscriber.Offered, subscriber.Sent, subscriber.Dropped);
            }
        }
    }

    // "127.0.0.1:40112 over tcp, lossless (queue 64 frames or 128 MiB, whichever comes first, when full: latest), jpeg"
    private static string Describe(ServedSubscriber subscriber) =>
        $"{subscriber.Remote} over {subscriber.Transport}, "
        + (subscriber.RequestedPolicy == DeliveryPolicy.Lossless
            ? $"lossless (queue {subscriber.QueueFrames} frames or {subscriber.QueueBytesBound / QueueBudget.Mebibyte} MiB, whichever comes first, when full: {(subscriber.WhenFull == WhenFull.Disconnect ? "disconnect" : "latest")})"
            : "latest")
        + $", {(subscriber.Codec is { } codec ? CodecNames.Name(codec) : "as received")}";

    // Towards subscribers the server is a producer; shared memory is used on Unix sockets when the subscriber asks (shm://).
    private ConnectionOptions SubscriberOptions() => new()
    {
        Role = PeerRole.Producer,
        Capabilities = Capabilities.SharedMemory | Capabilities.ModelInputs | (_options.OnResult is null ? 0 : Capabilities.Result),
        IdleTimeout = _options.IdleTimeout,
        Software = _options.Software,
        SharedMemorySlotSize = _options.SharedMemorySlotSize,
    };
}
