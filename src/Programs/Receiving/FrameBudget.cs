namespace RawFrames.Programs.Receiving;

/// <summary>
/// How many frames a run takes in all connections together (0: no limit), and whether it takes any more: once spent
/// or closed (the run is stopping), frames still in flight are read and dropped until their senders' END.
/// </summary>
public sealed class FrameBudget(long limit, Action onSpent)
{
    private long _taken;
    private int _closed;

    public void Close() => Volatile.Write(ref _closed, 1);

    /// <summary>True when the frame is taken; the one that spends the budget calls <c>onSpent</c>.</summary>
    public bool TryTake()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return false;
        }

        long taken = Interlocked.Increment(ref _taken);
        if (limit > 0 && taken > limit)
        {
            return false;
        }

        if (taken == limit)
        {
            onSpent();
        }

        return true;
    }
}
