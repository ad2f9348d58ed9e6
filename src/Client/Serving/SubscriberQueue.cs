namespace RawFrames.Client.Serving;

/// <summary>
/// The frames waiting for one subscriber, under its policy (PROTOCOL.md §16). <see cref="Offer"/> never waits, so a
/// slow subscriber cannot hold up the producer or the other subscribers: under latest the one waiting frame is
/// replaced by the newer one (a drop); under lossless frames queue up to the bound, and a full queue either switches
/// the subscriber to latest or marks it too slow. The bound is the subscriber's queue in frames and the operator's
/// <see cref="QueueBudget"/> in bytes, whichever comes first; a queue always takes one frame, however large. One reader
/// takes frames with <see cref="TakeAsync"/>.
/// </summary>
internal sealed class SubscriberQueue : IDisposable
{
    private readonly Queue<SharedFrame> _frames = new();
    private readonly SemaphoreSlim _ready = new(0, 1);
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly WhenFull _whenFull;
    private readonly QueueBudget _budget;
    private bool _completed;
    private long _bytes;
    private long _maxBytes;
    private long _offered;
    private long _dropped;
    private int _maxDepth;

    public SubscriberQueue(DeliveryPolicy policy, int capacity, WhenFull whenFull, QueueBudget? budget = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Policy = policy;
        _capacity = capacity;
        _whenFull = whenFull;
        _budget = budget ?? QueueBudget.Unbounded;
    }

    /// <summary>The lossless queue's bound in frames.</summary>
    public int Capacity => _capacity;

    /// <summary>The lossless queue's bound in bytes (the operator's, whatever the subscriber asked).</summary>
    public long MaxBytes => _budget.PerSubscriber;

    /// <summary>The bound in bytes for every subscriber's queue together.</summary>
    public long MaxTotalBytes => _budget.Total;

    /// <summary>Which bound filled the lossless queue, once one did.</summary>
    public QueueBound FullBy { get; private set; }

    /// <summary>The most bytes this queue held at once.</summary>
    public long MaxDepthBytes => Interlocked.Read(ref _maxBytes);

    /// <summary>The policy in force: a lossless subscriber switched to latest says so here.</summary>
    public DeliveryPolicy Policy { get; private set; }

    /// <summary>When the lossless queue filled up and the policy became latest; null if it never did.</summary>
    public DateTimeOffset? SwitchedToLatestAt { get; private set; }

    /// <summary>A lossless queue filled up under "when full: disconnect": the subscriber must be closed.</summary>
    public bool Overflowed { get; private set; }

    public long Offered => Interlocked.Read(ref _offered);

    public long Dropped => Interlocked.Read(ref _dropped);

    public int MaxDepth => Volatile.Read(ref _maxDepth);

    public int Depth
    {
        get
        {
            lock (_lock)
            {
                return _frames.Count;
            }
        }
    }

    /// <summary>
    /// Queues a frame (taking a reference) without ever waiting. False when the subscriber overflowed its lossless
    /// queue under "disconnect" (the frame is not queued) or the queue is complete.
    /// </summary>
    public bool Offer(SharedFrame frame)
    {
        lock (_lock)
        {
            if (_completed || Overflowed)
            {
                return false;
            }

            _offered++;
            long size = frame.Size;
            if (Policy == DeliveryPolicy.Latest)
            {
                DropAll();
            }
            else if (Full(frame) is not QueueBound.None and var bound)
            {
                FullBy = bound;
                if (_whenFull == WhenFull.Disconnect)
                {
                    Overflowed = true;
                    Signal();
                    return false;
                }

                // Everything queued is already late; from now on this subscriber gets the newest frame only.
                Policy = DeliveryPolicy.Latest;
                SwitchedToLatestAt = DateTimeOffset.UtcNow;
                DropAll();
            }

            frame.AddReference();
            frame.EnterQueue(_budget);
            _frames.Enqueue(frame);
            _bytes += size;
            _maxDepth = Math.Max(_maxDepth, _frames.Count);
            Interlocked.Exchange(ref _maxBytes, Math.Max(_maxBytes, _bytes));
            Signal();
        }

        return true;
    }

    /// <summary>The next frame (the caller owns one reference), or null once the queue is complete or overflowed.</summary>
    public async ValueTask<SharedFrame?> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                if (Overflowed)
                {
                    return null;
                }

                if (_frames.TryDequeue(out SharedFrame? frame))
                {
                    Left(frame);
                    return frame;
                }

                if (_completed)
                {
                    return null;
                }
            }

            await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>No more frames will be offered; the reader gets what is queued, then null.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Signal();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _completed = true;
            while (_frames.TryDequeue(out SharedFrame? frame))
            {
                Left(frame);
                frame.Release();
            }
        }

        _ready.Dispose();
    }

    // Under _lock: one permit at most, so a reader that falls behind wakes once, not once per offer.
    private void Signal()
    {
        if (_ready.CurrentCount == 0)
        {
            _ready.Release();
        }
    }

    // Under _lock. Releasing a reference only returns buffers to the pool, so it may happen here.
    private void DropAll()
    {
        while (_frames.TryDequeue(out SharedFrame? old))
        {
            Left(old);
            old.Release();
            _dropped++;
        }
    }

    // Under _lock: the bound the frame would pass; an empty queue always takes one frame, and a frame already queued
    // for another subscriber adds nothing to the total.
    private QueueBound Full(SharedFrame frame) =>
        _frames.Count == 0 ? QueueBound.None
        : _frames.Count >= _capacity ? QueueBound.Frames
        : _bytes + frame.Size > _budget.PerSubscriber ? QueueBound.SubscriberBytes
        : !frame.IsQueued && !_budget.HasRoomFor(frame.Size) ? QueueBound.TotalBytes
        : QueueBound.None;

    // Under _lock: a frame taken out (sent, dropped or discarded).
    private void Left(SharedFrame frame)
    {
        _bytes -= frame.Size;
        frame.LeaveQueue(_budget);
    }
}

internal static class QueueBounds
{
    /// <summary>In words, for the log and the subscriber's ERROR: which bound, and how large it is.</summary>
    public static string Describe(this QueueBound bound, SubscriberQueue queue) => bound switch
    {
        QueueBound.Frames => $"{queue.Capacity} frames",
        QueueBound.SubscriberBytes => $"{queue.MaxBytes / QueueBudget.Mebibyte} MiB for one subscriber",
        QueueBound.TotalBytes => $"{queue.MaxTotalBytes / QueueBudget.Mebibyte} MiB for all subscribers together",
        _ => "not full",
    };
}
