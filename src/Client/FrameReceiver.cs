using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming.Pipeline;

namespace RawFrames.Client;

/// <summary>
/// Listens for RawFrames senders and hands their frames to the application: one at a time with
/// <see cref="ReadAllAsync"/> (<c>await foreach</c>), in batches with <see cref="ReadBatchesAsync"/>, or through a
/// function run on several frames at once with results in order (<see cref="ProcessInOrderAsync"/>). Any number of
/// senders may connect; each connection reads its next frame only when the application is done with the last one, so
/// a slow application slows its senders (lossless backpressure) and memory stays bounded. Only one of the three
/// readers may run at a time. A sender's END is answered once every frame detached from it has been disposed, so the
/// results of frames still being processed reach it.
/// </summary>
public sealed class FrameReceiver : IAsyncDisposable
{
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(2);

    private readonly FrameListener _listener;
    private readonly FrameReceiverOptions _options;
    private readonly Channel<ReceivedFrame> _ready = Channel.CreateUnbounded<ReceivedFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, (FrameConnection Connection, ReceivedFrame Frame)> _open = new();
    private readonly Task _accepting;

    private FrameReceiver(FrameListener listener, FrameReceiverOptions options)
    {
        _listener = listener;
        _options = options;
        _accepting = Task.Run(() => listener.AcceptEachAsync(ServeAsync, _stop.Token));
    }

    /// <summary>Where it listens (with the port the system chose for port 0).</summary>
    public FrameEndpoint Endpoint => _listener.Endpoint;

    /// <summary>Senders connected now.</summary>
    public int Connections => _open.Count;

    /// <summary>Starts listening on <c>tcp://HOST:PORT</c> or <c>unix:///path</c>.</summary>
    public static async Task<FrameReceiver> ListenAsync(string endpoint, FrameReceiverOptions? options = null, CancellationToken cancellationToken = default) =>
        new(await FrameListener.StartAsync(FrameEndpoint.Parse(endpoint), cancellationToken: cancellationToken), options ?? new FrameReceiverOptions());

    /// <summary>
    /// Every frame from every sender, as it arrives. Each frame is valid until the loop moves on (see
    /// <see cref="ReceivedFrame"/>); the sequence ends when the receiver is disposed or, with
    /// <see cref="FrameReceiverOptions.Once"/>, when the first sender has finished.
    /// </summary>
    public async IAsyncEnumerable<ReceivedFrame> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ReceivedFrame? current = null;
        try
        {
            while (await _ready.Reader.WaitToReadAsync(cancellationToken))
            {
                while (_ready.Reader.TryRead(out current))
                {
                    if (current.IsEndMarker)
                    {
                        current = null;
                        continue;
                    }

                    yield return current;
                    current.Release();
                    current = null;
                }
            }
        }
        finally
        {
            current?.Release();
        }
    }

    /// <summary>
    /// Frames in batches for models that infer on several at once: a batch is yielded when it holds
    /// <paramref name="batchSize"/> frames, or when <paramref name="maxWait"/> has passed since its first frame arrived,
    /// whichever comes first. The frames are copies the batch owns until the loop moves on.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<DetachedFrame>> ReadBatchesAsync(int batchSize, TimeSpan maxWait,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var batch = new List<DetachedFrame>(batchSize);
        try
        {
            while (await _ready.Reader.WaitToReadAsync(cancellationToken))
            {
                long deadline = Environment.TickCount64 + (long)maxWait.TotalMilliseconds;
                while (batch.Count < batchSize && await NextBeforeAsync(deadline, cancellationToken) is { } frame)
                {
                    if (frame.IsEndMarker)
                    {
                        break; // a sender ended: what is here goes now
                    }

                    batch.Add(frame.Detach());
                    frame.Release();
                }

                if (batch.Count > 0)
                {
                    yield return batch;
                    DisposeAll(batch);
                }
            }
        }
        finally
        {
            DisposeAll(batch);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> (a model, a filter) on up to <paramref name="parallelism"/> frames at once and
    /// yields each frame with its result in the order the frames arrived, holding those that finish early (at most
    /// <paramref name="window"/> frames in flight; default twice the parallelism). Each frame is a copy, disposed when
    /// the loop moves on; reply from the loop (<see cref="FrameView.ReplyAsync"/>) to send results back.
    /// </summary>
    public async IAsyncEnumerable<(DetachedFrame Frame, TResult Result)> ProcessInOrderAsync<TResult>(
        Func<DetachedFrame, CancellationToken, ValueTask<TResult>> work, int parallelism, int window = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        window = window == 0 ? 2 * parallelism : window;
        await foreach ((DetachedFrame frame, TResult result) in DetachAllAsync(cancellationToken).SelectInOrderAsync(work, parallelism, window, cancellationToken))
        {
            using (frame)
            {
                yield return (frame, result);
            }
        }
    }

    /// <summary>Stops listening, asks every sender to stop (END), and ends the iterations.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _accepting;
        foreach ((FrameConnection connection, ReceivedFrame frame) in _open.Values)
        {
            frame.Release();
            await connection.SendEndAsync();
        }

        await Task.WhenAny(_listener.ServingEnded, Task.Delay(s_drainTimeout));
        foreach ((FrameConnection connection, ReceivedFrame frame) in _open.Values)
        {
            frame.Close();
            connection.Abort();
        }

        await _listener.ServingEnded;
        _ready.Writer.TryComplete();
        _listener.Dispose();
        _stop.Dispose();
    }

    private async IAsyncEnumerable<DetachedFrame> DetachAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ReceivedFrame frame in ReadAllAsync(cancellationToken))
        {
            yield return frame.Detach();
        }
    }

    // The next ready frame, or null once the deadline passed (or the receiver ended) with none.
    private async ValueTask<ReceivedFrame?> NextBeforeAsync(long deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_ready.Reader.TryRead(out ReceivedFrame? frame))
            {
                return frame;
            }

            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return null;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromMilliseconds(left));
            try
            {
                if (!await _ready.Reader.WaitToReadAsync(wait.Token))
                {
                    return null;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    private async Task WaitForProcessingAsync(ReceivedFrame frame)
    {
        TimeSpan bound = _options.IdleTimeout > TimeSpan.Zero ? _options.IdleTimeout : TimeSpan.FromSeconds(15);
        Task drained = frame.WhenDetachedDisposedAsync();
        if (await Task.WhenAny(drained, Task.Delay(bound, _stop.Token)) != drained)
        {
            _options.Log?.Invoke($"{frame.Remote}: frames detached from this sender were not disposed within {bound.TotalSeconds:0.#} s of its END; answering END without waiting for their results");
        }
    }

    private static void DisposeAll(List<DetachedFrame> frames)
    {
        foreach (DetachedFrame frame in frames)
        {
            frame.Dispose();
        }

        frames.Clear();
    }

    private async Task ServeAsync(Socket socket, long id)
    {
        var connectionOptions = new ConnectionOptions
        {
            Role = PeerRole.Consumer,
            MaxMessageLength = _options.MaxMessageLength,
            Capabilities = Capabilities.Ack | Capabilities.Result | Capabilities.SharedMemory,
            IdleTimeout = _options.IdleTimeout,
            Software = _options.Software,
            Token = _options.Token,
            Tls = _options.Tls,
        };
        FrameConnection connection;
        try
        {
            connection = await FrameConnection.AcceptAsync(socket, connectionOptions, _stop.Token);
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or OperationCanceledException)
        {
            _options.Log?.Invoke($"refused a connection: {e.Message}");
            socket.Dispose();
            return;
        }

        var frame = new ReceivedFrame(connection);
        _open[id] = (connection, frame);
        _options.Log?.Invoke($"connected: {connection.Remote} ({connection.PeerHello.Software ?? "unnamed sender"}) over {connection.TransportName}");
        string reason = await ReceiveAsync(connection, frame);
        _open.TryRemove(id, out _);
        frame.Close();
        await connection.DisposeAsync();
        _options.Log?.Invoke($"disconnected: {connection.Remote}: {reason}");
        if (_options.Once)
        {
            _ready.Writer.TryComplete();
        }
    }

    private async Task<string> ReceiveAsync(FrameConnection connection, ReceivedFrame frame)
    {
        try
        {
            while (true)
            {
                Message message = await connection.ReadAsync(_stop.Token);
                switch (message.Type)
                {
                    case MessageType.Frame:
                        ValueTask done = frame.LoadAndWaitAsync(message);
                        _ready.Writer.TryWrite(frame);
                        await done;
                        break;
                    case MessageType.End:
                        // Results for frames still being processed go out before our END, after which nothing may.
                        frame.MarkEnded();
                        _ready.Writer.TryWrite(frame);
                        await WaitForProcessingAsync(frame);
                        await connection.SendEndAsync();
                        return "end of stream";
                    case MessageType.Error:
                        ErrorMessage error = message.ReadError();
                        return $"the sender closed with error {(uint)error.Code} {error.Code}: {error.Reason}";
                    default:
                        return connection.EndSent ? "closed after END" : "closed without END";
                }
            }
        }
        catch (ProtocolException e)
        {
            return $"protocol error {(uint)e.Code} {e.Code}: {e.Message}";
        }
        catch (OperationCanceledException)
        {
            return "the receiver stopped";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            return $"connection lost: {e.Message}";
        }
    }
}
