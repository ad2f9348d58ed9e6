using RawFrames.Protocol.Wire;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// The frames waiting for one subscriber, under its policy (PROTOCOL.md §16). <see cref="Offer"/> never waits, so a
/// slow subscriber cannot hold up the producer or the other subscribers: under latest the one waiting frame is
/// replaced by the newer one (a drop); under lossless frames queue up to the bound, and a full queue either switches
/// the subscriber to latest or marks it too slow. One reader takes frames with <see cref="TakeAsync"/>.
/// </summary>
internal sealed class SubscriberQueue : IDisposable
{
    private readonly Queue<RelayFrame> _frames = new();
    private readonly SemaphoreSlim _ready = new(0, 1);
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly WhenFull _whenFull;
    private bool _completed;
    private long _offered;
    private long _dropped;
    private int _maxDepth;

    public SubscriberQueue(DeliveryPolicy policy, int capacity, WhenFull whenFull)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Policy = policy;
        _capacity = capacity;
        _whenFull = whenFull;
    }

    /// <summary>The lossless queue's bound.</summary>
    public int Capacity => _capacity;

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
    public bool Offer(RelayFrame frame)
    {
        lock (_lock)
        {
            if (_completed || Overflowed)
            {
                return false;
            }

            _offered++;
            if (Policy == DeliveryPolicy.Latest)
            {
                DropAll();
            }
            else if (_frames.Count >= _capacity)
            {
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
            _frames.Enqueue(frame);
            _maxDepth = Math.Max(_maxDepth, _frames.Count);
            Signal();
        }

        return true;
    }

    /// <summary>The next frame (the caller owns one reference), or null once the queue is complete or overflowed.</summary>
    public async ValueTask<RelayFrame?> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                if (Overflowed)
                {
                    return null;
                }

                if (_frames.TryDequeue(out RelayFrame? frame))
                {
                    return frame;
                }

                if (_completed)
                {
                    return null;
                }
            }

            await _ready.WaitAsync(cancellationToken);
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
            while (_frames.TryDequeue(out RelayFrame? frame))
            {
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
        while (_frames.TryDequeue(out RelayFrame? old))
        {
            old.Release();
            _dropped++;
        }
    }
}
