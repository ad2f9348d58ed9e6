namespace RawFrames.Client;

/// <summary>
/// Log-linear histogram of latencies in microseconds (16 sub-buckets per power of two, so about 6% resolution),
/// fixed size, safe for concurrent recording, no allocation per sample: the receivers' and the browser view's latency figures.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 4;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Buckets = (40 - SubBucketBits) * SubBuckets;
    private readonly long[] _counts = new long[Buckets];
    private long _total;

    /// <summary>Samples recorded.</summary>
    public long Count => Interlocked.Read(ref _total);

    /// <summary>Records one latency; negative ones (clocks apart) count as zero.</summary>
    public void RecordNanoseconds(long nanoseconds)
    {
        long micros = Math.Max(0, nanoseconds / 1000);
        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _total);
    }

    /// <summary>The latency below which <paramref name="percentile"/> percent of samples fall, in milliseconds; NaN when empty.</summary>
    public double PercentileMs(double percentile)
    {
        long total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(total * percentile / 100.0));
        long seen = 0;
        for (int i = 0; i < Buckets; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return MidpointMicros(i) / 1000.0;
            }
        }

        return MidpointMicros(Buckets - 1) / 1000.0;
    }

    /// <summary>Forgets every sample.</summary>
    public void Reset()
    {
        Array.Clear(_counts);
        Interlocked.Exchange(ref _total, 0);
    }

    private static int IndexOf(long micros)
    {
        if (micros < SubBuckets)
        {
            return (int)micros;
        }

        int magnitude = 63 - (int)long.LeadingZeroCount(micros); // >= SubBucketBits
        int shift = magnitude - SubBucketBits;
        int index = ((shift + 1) * SubBuckets) + (int)((micros >> shift) & (SubBuckets - 1));
        return Math.Min(index, Buckets - 1);
    }

    private static double MidpointMicros(int index)
    {
        if (index < SubBuckets)
        {
            return index + 0.5;
        }

        int shift = (index / SubBuckets) - 1;
        long low = (long)(SubBuckets + (index % SubBuckets)) << shift;
        return low + ((1L << shift) / 2.0);
    }
}
