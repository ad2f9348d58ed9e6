using System.Runtime.CompilerServices;
using RawFrames.Client.Serving;

namespace RawFrames.Client;

/// <summary>
/// A subscriber of a <see cref="FrameServer"/> in the same process: the server's frames under a policy of its own,
/// without a connection (a browser view, a bridge onto another transport, a recorder that may fall behind). Like a
/// remote subscriber it never slows the publisher or the others: under latest it gets the newest frame, under
/// lossless a bounded queue. Read it with one loop; dispose it to leave.
/// </summary>
public sealed class LocalSubscription : ServedSubscriber, IAsyncDisposable
{
    private readonly FrameServer _server;
    private int _reading;

    internal LocalSubscription(FrameServer server, long id, LocalSubscriptionOptions options, int defaultQueue, QueueBudget budget)
        : base(id, options.Name, options.Transport, options.Policy, options.WhenFull, codec: null, options.StreamId,
            new SubscriberQueue(options.Policy, options.QueueFrames > 0 ? options.QueueFrames : defaultQueue, options.WhenFull, budget))
    {
        _server = server;
    }

    /// <summary>
    /// The frames, until the server completes (after what is queued) or <paramref name="cancellationToken"/> is
    /// cancelled. Each frame is valid until the loop moves on. One loop at a time.
    /// </summary>
    public async IAsyncEnumerable<ServedFrame> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("a local subscription is read by one loop at a time");
        }

        var current = new ServedFrame(_server);
        try
        {
            while (await Queue.TakeAsync(cancellationToken).ConfigureAwait(false) is { } frame)
            {
                current.Set(frame);
                Count(frame.Payload.Length);
                yield return current;
            }

            Ended ??= "the server stopped";
        }
        finally
        {
            current.Set(null);
            Volatile.Write(ref _reading, 0);
        }
    }

    /// <summary>Leaves the server: no more frames are queued, and what was queued is given back.</summary>
    public ValueTask DisposeAsync()
    {
        Ended ??= "left";
        _server.Remove(this);
        Queue.Complete();
        Queue.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Disconnect has nothing to cut here: the queue is complete, the loop ends, and <see cref="ServedSubscriber.Ended"/> says why.</summary>
    internal override void OnOverflow()
    {
        Ended ??= $"too slow: its lossless queue was full ({Queue.FullBy.Describe(Queue)})";
        Queue.Complete();
    }
}
