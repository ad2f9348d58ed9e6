using System.Diagnostics;

using RawFrames.Client;

namespace RawFrames.Programs.Stats;

/// <summary>Counters one program updates per frame from any thread, and reads once a second for the live line.</summary>
public sealed class TransferTotals
{
    private long _frames;
    private long _bytes;
    private long _gaps;
    private long _verifyFailures;
    private long _errors;
    private long _firstFrameTimestamp;
    private long _lastFrameTimestamp;
    private TimeSpan _cpuAtFirstFrame;

    public LatencyHistogram Latency { get; } = new();

    public long Frames => Interlocked.Read(ref _frames);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Gaps => Interlocked.Read(ref _gaps);

    public long VerifyFailures => Interlocked.Read(ref _verifyFailures);

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Seconds from the first frame to the last: the span the rates are measured over.</summary>
    public double Seconds
    {
        get
        {
            long first = Interlocked.Read(ref _firstFrameTimestamp);
            long last = Interlocked.Read(ref _lastFrameTimestamp);
            return first == 0 ? 0 : Stopwatch.GetElapsedTime(first, last).TotalSeconds;
        }
    }

    /// <summary>
    /// Frames per second over <see cref="Seconds"/>. The first frame opens the span, so it is not counted in the rate:
    /// N frames make N-1 intervals.
    /// </summary>
    public double FramesPerSecond => Seconds > 0 ? (Frames - 1) / Seconds : 0;

    /// <summary>Payload megabytes (10^6 bytes) per second, counted like <see cref="FramesPerSecond"/>.</summary>
    public double MegabytesPerSecond => Seconds > 0 && Frames > 1 ? Bytes * ((double)(Frames - 1) / Frames) / Seconds / 1e6 : 0;

    /// <summary>Counts a frame; returns the number of frames so far, this one included.</summary>
    public long AddFrame(long payloadBytes)
    {
        long now = Stopwatch.GetTimestamp();
        if (Interlocked.CompareExchange(ref _firstFrameTimestamp, now, 0) == 0)
        {
            _cpuAtFirstFrame = Environment.CpuUsage.TotalTime;
        }

        Interlocked.Exchange(ref _lastFrameTimestamp, now);
        Interlocked.Add(ref _bytes, payloadBytes);
        return Interlocked.Increment(ref _frames);
    }

    /// <summary>Adds the figures both programs report to a summary, under the same names.</summary>
    public RunSummary AddTo(RunSummary summary) => summary
        .Add("frames", Frames)
        .Add("bytes", Bytes)
        .Add("seconds", Seconds, "s")
        .Add("fps", FramesPerSecond)
        .Add("mb_per_s", MegabytesPerSecond, "MB/s")
        .Add("mbps", MegabytesPerSecond * 8, "Mbit/s")
        .Add("cpu_ms_per_frame", CpuMsPerFrame, "ms");

    /// <summary>
    /// CPU time of the whole process (user + system, all threads) per frame since the first frame: what a frame
    /// costs this side, kernel copies included.
    /// </summary>
    public double CpuMsPerFrame => Frames > 1 ? (Environment.CpuUsage.TotalTime - _cpuAtFirstFrame).TotalMilliseconds / (Frames - 1) : double.NaN;

    public void AddGaps(long count) => Interlocked.Add(ref _gaps, count);

    public void AddVerifyFailure() => Interlocked.Increment(ref _verifyFailures);

    public long AddError() => Interlocked.Increment(ref _errors);
}
