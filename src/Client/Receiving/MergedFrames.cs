using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using RawFrames.Client.Pipeline;

namespace RawFrames.Client.Receiving;

/// <summary>
/// Every connection's frames through one loop: a pump per connection hands its frame over and waits until the loop
/// is done with it (so each connection still reads at the application's pace), then reads on. The hand-over runs the
/// loop's continuation on the pump's own thread when it can, so a single sender costs no thread switch per frame.
/// </summary>
internal sealed class MergedFrames : IAsyncDisposable
{
    private readonly Channel<Handoff> _ready = Channel.CreateUnbounded<Handoff>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = true,
    });

    private readonly ConcurrentDictionary<long, Task> _pumps = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _once;
    private readonly Task _accepting;

    public MergedFrames(IAsyncEnumerable<SenderConnection> connections, bool once)
    {
        _once = once;
        _accepting = Task.Run(() => AcceptAsync(connections));
    }

    public async IAsyncEnumerable<ReceivedFrame> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Baton? current = null;
        try
        {
            while (await _ready.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_ready.Reader.TryRead(out Handoff handoff))
                {
                    if (handoff.Done is null)
                    {
                        continue; // a sender ended: only batches care
                    }

                    current = handoff.Done;
                    yield return handoff.Frame;
                    current = null;
                    handoff.Done.Pass();
                }
            }
        }
        finally
        {
            current?.Pass();
        }
    }

    public async IAsyncEnumerable<IReadOnlyList<DetachedFrame>> ReadBatchesAsync(int batchSize, TimeSpan maxWait,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var batch = new List<DetachedFrame>(batchSize);
        try
        {
            while (await _ready.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                long deadline = Environment.TickCount64 + (long)maxWait.TotalMilliseconds;
                while (batch.Count < batchSize && await NextBeforeAsync(deadline, cancellationToken).ConfigureAwait(false) is { } handoff)
                {
                    if (handoff.Done is null)
                    {
                        break; // a sender ended: what is here goes now, so its results can reach it
                    }

                    batch.Add(handoff.Frame.Detach());
                    handoff.Done.Pass();
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

    public async IAsyncEnumerable<(DetachedFrame Frame, TResult Result)> ProcessInOrderAsync<TResult>(Func<DetachedFrame, CancellationToken, ValueTask<TResult>> work,
        int parallelism, int window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        window = window == 0 ? 2 * parallelism : window;
        await foreach ((DetachedFrame frame, TResult result) in DetachAllAsync(cancellationToken).SelectInOrderAsync(work, parallelism, window, cancellationToken)
                           .ConfigureAwait(false))
        {
            using (frame)
            {
                yield return (frame, result);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        // Frames handed over that no loop will take now (a loop that was cancelled, or never ran) are given back, so
        // that their pumps end; a pump that hands over after this finds the channel closed and does not wait.
        _ready.Writer.TryComplete();
        while (_ready.Reader.TryRead(out Handoff handoff))
        {
            handoff.Done?.Pass();
        }

        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async IAsyncEnumerable<DetachedFrame> DetachAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ReceivedFrame frame in ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return frame.Detach();
        }
    }

    private async Task AcceptAsync(IAsyncEnumerable<SenderConnection> connections)
    {
        try
        {
            await foreach (SenderConnection connection in connections.WithCancellation(_stop.Token).ConfigureAwait(false))
            {
                _pumps[connection.Id] = Task.Run(() => PumpAsync(connection));
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }

        await Task.WhenAll(_pumps.Values).ConfigureAwait(false);
        _ready.Writer.TryComplete();
    }

    private async Task PumpAsync(SenderConnection connection)
    {
        var done = new Baton();
        try
        {
            await foreach (ReceivedFrame frame in connection.ReadFramesAsync(_stop.Token).ConfigureAwait(false))
            {
                ValueTask passed = done.WaitAsync();
                if (!_ready.Writer.TryWrite(new Handoff(frame, done)))
                {
                    done.Pass(); // disposed: nobody will take it
                    await passed.ConfigureAwait(false);
                    break;
                }

                await passed.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        finally
        {
            _ready.Writer.TryWrite(new Handoff(default, null)); // this sender ended: a batch being filled goes now
            _pumps.TryRemove(connection.Id, out _);
            if (_once)
            {
                _ready.Writer.TryComplete();
            }
        }
    }

    // The next hand-over, or null once the deadline passed (or the frames ended) with none.
    private async ValueTask<Handoff?> NextBeforeAsync(long deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_ready.Reader.TryRead(out Handoff handoff))
            {
                return handoff;
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
                if (!await _ready.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
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

    private static void DisposeAll(List<DetachedFrame> frames)
    {
        foreach (DetachedFrame frame in frames)
        {
            frame.Dispose();
        }

        frames.Clear();
    }

    /// <summary>A frame handed to the loop, and the signal the loop passes when done with it; no signal: its sender ended.</summary>
    private readonly record struct Handoff(ReceivedFrame Frame, Baton? Done);
}
