namespace RawFrames.Programs.Stats;

/// <summary>Follows one stream's sequence numbers: frames skipped (gaps) and frames that went backwards.</summary>
public sealed class SequenceTracker
{
    private bool _started;

    public ulong First { get; private set; }

    public ulong Last { get; private set; }

    public long Frames { get; private set; }

    /// <summary>Sequence numbers skipped: a jump from 5 to 9 counts 3.</summary>
    public long Gaps { get; private set; }

    /// <summary>Frames whose sequence number was not above the previous one (duplicates or reordering).</summary>
    public long Backwards { get; private set; }

    /// <summary>Records a sequence number and returns how many numbers were skipped before it.</summary>
    public long Observe(ulong sequence)
    {
        Frames++;
        if (!_started)
        {
            _started = true;
            First = Last = sequence;
            return 0;
        }

        if (sequence <= Last)
        {
            Backwards++;
            return 0;
        }

        long skipped = (long)Math.Min(sequence - Last - 1, long.MaxValue);
        Gaps += skipped;
        Last = sequence;
        return skipped;
    }
}
