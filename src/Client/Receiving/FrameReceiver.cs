using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using RawFrames.Client.Connecting;
using RawFrames.Client.Nats;
using RawFrames.Client.Receiving;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport;

namespace RawFrames.Client;

/// <summary>
/// Receives frames: listening for senders (<see cref="ListenAsync"/>), or subscribed to a relay
/// (<see cref="SubscribeAsync"/>). Each sender's connection is a <see cref="SenderConnection"/>
/// (<see cref="AcceptAllAsync"/>, one loop per connection, at each sender's own pace); or every frame from every sender
/// comes through one loop (<see cref="ReadAllAsync"/>), in batches (<see cref="ReadBatchesAsync"/>), or through a
/// function run on several at once with results in order (<see cref="ProcessInOrderAsync{TResult}"/>). A connection
/// reads its next frame only when the application is done with the last, so a slow application slows its senders
/// (lossless backpressure) and memory stays bounded. Use one of these ways per receiver.
/// </summary>
public sealed partial class FrameReceiver : IAsyncDisposable
{
    private const int Running = 0;
    private const int Stopping = 1;
    private const int ShuttingDown = 2;
    private const string ShutdownReason = "the receiver is shutting down";
    private const string DisposedReason = "the receiving application closed before the stream ended (it left its loop or failed): frames it had not handled are lost";
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_shutdownGrace = TimeSpan.FromMilliseconds(300);

    private readonly FrameReceiverOptions _options;
    private readonly ILogger _log;
    private readonly CodecPool _codecs;
    private readonly Channel<SenderConnection> _incoming = Channel.CreateUnbounded<SenderConnection>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, (SenderConnection Connection, IDisposable? Admission)> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _graceOver = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConnectionAcceptor? _acceptor;
    private Task _feeding = Task.CompletedTask;
    private MergedFrames? _merged;
    private int _stopping;
    private string _shutdownReason = ShutdownReason;

    private FrameReceiver(FrameReceiverOptions options, ConnectionAcceptor? acceptor, string endpoint)
    {
        _options = options;
        _log = options.LoggerFactory?.CreateLogger<FrameReceiver>() ?? NullLogger<FrameReceiver>.Instance;
        _codecs = new CodecPool(fastJpegDecode: options.FastDecode);
        _acceptor = acceptor;
        Endpoint = endpoint;
    }

    /// <summary>Where it listens (with the port the system chose for port 0), or the relay it subscribed to.</summary>
    public string Endpoint { get; }

    /// <summary>Senders connected now.</summary>
    public int Connections => _open.Count;

    /// <summary>Connections that closed before sending a byte (health checks, port scans): counted, never errors.</summary>
    public long Probes => _acceptor?.Probes ?? 0;

    /// <summary>Told of each peer that was refused (a failed opening, a wrong token, over <see cref="FrameReceiverOptions.MaxConnections"/>); on the accepting task.</summary>
    public event Action<RefusedConnection>? ConnectionRefused;

    /// <summary>Starts listening on <c>tcp://HOST:PORT</c> or <c>unix:///path</c> (senders connecting with <c>shm:///path</c> pass frames through shared memory).</summary>
    /// <exception cref="FormatException">The endpoint is not written as above.</exception>
    /// <exception cref="IOException">The endpoint cannot be listened on: in use, or a file that is not a stale socket (left untouched).</exception>
    public static async Task<FrameReceiver> ListenAsync(string endpoint, FrameReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FrameReceiverOptions();
        ILogger log = options.LoggerFactory?.CreateLogger<FrameReceiver>() ?? NullLogger<FrameReceiver>.Instance;
        ConnectionAcceptor acceptor = await ConnectionAcceptor.StartAsync(FrameEndpoint.Parse(endpoint), ConnectionOptions(options), options.MaxConnections, options.MaxConnectionsName, log,
            cancellationToken).ConfigureAwait(false);
        var receiver = new FrameReceiver(options, acceptor, acceptor.Endpoint.Text);
        acceptor.Refused = refused => receiver.ConnectionRefused?.Invoke(refused);
        receiver._feeding = receiver.FeedAcceptedAsync();
        return receiver;
    }

    /// <summary>
    /// Subscribes to a relay at <c>tcp://HOST:PORT</c>, <c>unix:///path</c> or <c>shm:///path</c> (PROTOCOL.md §16):
    /// connects now (retrying within <see cref="SubscriptionOptions.ConnectTimeout"/>), and with
    /// <see cref="SubscriptionOptions.Follow"/> connects again whenever the relay goes away, until stopped. Or to NATS
    /// subjects, <c>nats://[CREDENTIALS@]HOST:PORT/SUBJECT</c> with wildcards allowed (PROTOCOL.md §19): each
    /// publisher is a <see cref="SenderConnection"/> of its own, <see cref="SubscriptionOptions.Policy"/> and
    /// <see cref="SubscriptionOptions.QueueFrames"/> apply on this side, NATS reconnects by itself (frames missed
    /// meanwhile are sequence gaps), and there is no way back to publishers (no RESULTs).
    /// </summary>
    /// <exception cref="ConnectFailedException">Nobody answered in time.</exception>
    /// <exception cref="ProtocolException">The relay refused the subscription, or the NATS server the credentials.</exception>
    /// <exception cref="ArgumentException">An option NATS cannot honour (a codec or stream to ask for, a token or TLS outside the URL).</exception>
    public static async Task<FrameReceiver> SubscribeAsync(string endpoint, SubscriptionOptions? subscription = null, FrameReceiverOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        subscription ??= new SubscriptionOptions();
        options ??= new FrameReceiverOptions();
        if (NatsAddress.IsNats(endpoint))
        {
            return await SubscribeNatsAsync(NatsAddress.Parse(endpoint), subscription, options, cancellationToken).ConfigureAwait(false);
        }

        FrameEndpoint relay = FrameEndpoint.Parse(endpoint);
        ConnectionOptions request = ConnectionOptions(options) with { Subscription = subscription.ToWire() };
        var receiver = new FrameReceiver(options, null, relay.Text);
        FrameConnection first = await Reconnector.ConnectAsync(relay, request, subscription.ConnectTimeout, receiver._log, cancellationToken).ConfigureAwait(false);
        receiver._feeding = receiver.FollowAsync(relay, request, subscription, first);
        return receiver;
    }

    /// <summary>Each sender as it connects, until the receiver stops. Read each one's frames on a task of its own.</summary>
    public IAsyncEnumerable<SenderConnection> AcceptAllAsync(CancellationToken cancellationToken = default) => _incoming.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Every frame from every sender, as it arrives, each valid until the loop moves on. Ends when the receiver stops
    /// or, with <see cref="FrameReceiverOptions.Once"/>, when the first sender has finished.
    /// </summary>
    public IAsyncEnumerable<ReceivedFrame> ReadAllAsync(CancellationToken cancellationToken = default) => Merged.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Frames in batches for models that infer on several at once: a batch goes when it holds
    /// <paramref name="batchSize"/> frames, or <paramref name="maxWait"/> after its first frame arrived, or when a sender
    /// ends. The frames are copies the batch owns until the loop moves on.
    /// </summary>
    public IAsyncEnumerable<IReadOnlyList<DetachedFrame>> ReadBatchesAsync(int batchSize, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        Merged.ReadBatchesAsync(batchSize, maxWait, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> (a model, a filter) on up to <paramref name="parallelism"/> frames at once and
    /// yields each frame with its result in the order the frames arrived, holding those that finish early (at most
    /// <paramref name="window"/> in flight; default twice the parallelism). Each frame is a copy, disposed when the loop
    /// moves on; reply from the loop (<see cref="DetachedFrame.ReplyAsync"/>) to send results back.
    /// </summary>
    public IAsyncEnumerable<(DetachedFrame Frame, TResult Result)> ProcessInOrderAsync<TResult>(Func<DetachedFrame, CancellationToken, ValueTask<TResult>> work,
        int parallelism, int window = 0, CancellationToken cancellationToken = default) =>
        Merged.ProcessInOrderAsync(work, parallelism, window, cancellationToken);

    /// <summary>
    /// Stops: accepts no more, and tells every sender either to stop (END: the stream is done; frames in flight are
    /// read and end the stream cleanly within a few seconds) or, with <paramref name="shuttingDown"/>, that this side
    /// is going away (ERROR ShuttingDown: reconnecting senders come back to whoever listens next, and the wait is
    /// short). Connections still open after that are cut. A stop already under way is turned into a shutdown by a
    /// call with <paramref name="shuttingDown"/>; the task ends when every connection has closed.
    /// </summary>
    public Task StopAsync(bool shuttingDown = false) => Stop(shuttingDown ? ShuttingDown : Stopping, ShutdownReason);

    private Task Stop(int wanted, string shutdownReason)
    {
        int was;
        do
        {
            was = Volatile.Read(ref _stopping);
            if (was >= wanted)
            {
                return _stopped.Task;
            }
        }
        while (Interlocked.CompareExchange(ref _stopping, wanted, was) != was);

        Volatile.Write(ref _shutdownReason, shutdownReason);
        bool shuttingDown = wanted == ShuttingDown;
        foreach ((SenderConnection connection, _) in _open.Values)
        {
            _ = shuttingDown ? connection.ShutDownAsync(shutdownReason) : connection.StopAsync();
        }

        _graceOver.CancelAfter(shuttingDown ? s_shutdownGrace : s_stopGrace);
        if (was == Running)
        {
            _ = StopCoreAsync();
        }

        return _stopped.Task;
    }

    private async Task StopCoreAsync()
    {
        _acceptor?.Stop();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _feeding.ConfigureAwait(false);

        // Every connection ends (its sender answers END, or closes); the ones that do not within the grace are cut.
        Task closed = Task.WhenAll(_open.Values.Select(entry => entry.Connection.Closed));
        await Task.WhenAny(closed, Task.Delay(Timeout.Infinite, _graceOver.Token)).ConfigureAwait(false);
        foreach ((SenderConnection connection, _) in _open.Values)
        {
            connection.Abort(Volatile.Read(ref _stopping) == ShuttingDown ? Volatile.Read(ref _shutdownReason) : "the receiver stopped before the sender ended");
        }

        // Cut connections close when their readers see it; one nobody reads is closed on dispose.
        await Task.WhenAny(Task.WhenAll(_open.Values.Select(entry => entry.Connection.Closed)), Task.Delay(s_shutdownGrace)).ConfigureAwait(false);
        _stopped.TrySetResult();
    }

    /// <summary>
    /// Closes every connection and frees what the receiver holds. After <see cref="StopAsync"/> it waits for that
    /// stop; without it, the senders still connected are told ShuttingDown, not END: END says every frame before it
    /// was handled (PROTOCOL.md §4.2), and a loop left by an exception cannot be told from one left by <c>break</c>.
    /// Call <see cref="StopAsync"/> first to end their streams cleanly.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await (Volatile.Read(ref _stopping) == Running ? Stop(ShuttingDown, DisposedReason) : _stopped.Task).ConfigureAwait(false);
        if (_merged is not null)
        {
            await _merged.DisposeAsync().ConfigureAwait(false);
        }

        // A connection whose frame the application still holds is closed when its loop moves on, never under it.
        foreach ((long id, (SenderConnection connection, _)) in _open)
        {
            if (!connection.HoldsFrame)
            {
                await CloseAsync(id).ConfigureAwait(false);
            }
        }

        if (_acceptor is not null)
        {
            await _acceptor.DisposeAsync().ConfigureAwait(false);
        }

        _codecs.Dispose();
        _stop.Dispose();
        _graceOver.Dispose();
    }

    private MergedFrames Merged => _merged ??= new MergedFrames(AcceptAllAsync(), _options.Once);
}
