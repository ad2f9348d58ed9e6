namespace RawFrames.Programs.Stats;

/// <summary>
/// GC-allocated bytes per frame in the steady state: from the <see cref="WarmupFrames"/>th frame (JIT tiers and pools
/// have settled) to <see cref="Close"/>, which a program calls when its stream ends, before it logs and summarizes.
/// </summary>
public sealed class AllocationWindow
{
    public const int WarmupFrames = 100;
    private long _startBytes = -1;
    private long _endBytes = -1;
    private long _endFrames;

    /// <summary>Call with the running frame count after each frame; opens the window at frame <see cref="WarmupFrames"/>.</summary>
    public void OnFrame(long frameCount)
    {
        if (frameCount == WarmupFrames)
        {
            Interlocked.Exchange(ref _startBytes, GC.GetTotalAllocatedBytes(precise: true));
        }
    }

    /// <summary>Closes the window at <paramref name="frameCount"/> frames; later calls do nothing.</summary>
    public void Close(long frameCount)
    {
        if (Interlocked.CompareExchange(ref _endFrames, frameCount, 0) == 0)
        {
            Interlocked.Exchange(ref _endBytes, GC.GetTotalAllocatedBytes(precise: true));
        }
    }

    /// <summary>Null when the run was too short to have a steady state.</summary>
    public double? BytesPerFrame
    {
        get
        {
            long start = Interlocked.Read(ref _startBytes);
            long end = Interlocked.Read(ref _endBytes);
            long frames = Interlocked.Read(ref _endFrames) - WarmupFrames;
            return start >= 0 && end >= 0 && frames > 0 ? (end - start) / (double)frames : null;
        }
    }
}
