namespace RawFrames.Client.Serving;

/// <summary>
/// The bound on the memory the server holds for subscribers: the bytes of frames queued for one subscriber
/// (<see cref="PerSubscriber"/>, <see cref="FrameServerOptions.MaxQueuedBytes"/>) and for all of them together (<see cref="Total"/>,
/// <see cref="FrameServerOptions.MaxTotalQueuedBytes"/>). A frame queued for several subscribers counts once in the total. No subscriber's request
/// (a queue of 1,024 frames) can go past them: a queue over either bound is full, and its "when full" rule applies.
/// </summary>
internal sealed class QueueBudget(long perSubscriber, long total)
{
    public const long Mebibyte = 1 << 20;

    private long _queued;
    private long _peak;

    /// <summary>No bound (for queues built by tests).</summary>
    public static QueueBudget Unbounded { get; } = new(long.MaxValue, long.MaxValue);

    public long PerSubscriber { get; } = perSubscriber;

    public long Total { get; } = total;

    /// <summary>Bytes of the frames queued for any subscriber now.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>The most <see cref="Queued"/> has been since <see cref="ResetPeak"/>.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Whether <paramref name="bytes"/> more would stay within <see cref="Total"/>.</summary>
    public bool HasRoomFor(long bytes) => Queued + bytes <= Total;

    /// <summary>A frame entered its first queue (positive) or left its last one (negative).</summary>
    public void Add(long bytes)
    {
        long now = Interlocked.Add(ref _queued, bytes);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }
    }

    public void ResetPeak() => Interlocked.Exchange(ref _peak, Queued);
}
