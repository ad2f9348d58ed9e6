using System.Diagnostics;

namespace RawFrames.Streaming.Sources;

/// <summary>
/// When the next frame is due and when to stop: a frame count, a duration, and pacing at a frame rate that keeps its
/// average (a timer tick can come late, so a frame that is already due goes out without waiting for another tick).
/// </summary>
public sealed class FrameSchedule : IDisposable
{
    private readonly long _frames;
    private readonly double _fps;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly long _deadline;
    private readonly PeriodicTimer? _pacer;

    /// <param name="frames">0 for no limit.</param>
    /// <param name="duration">Null for no limit.</param>
    /// <param name="fps">0 for as fast as possible.</param>
    public FrameSchedule(long frames, TimeSpan? duration, double fps)
    {
        _frames = frames;
        _fps = fps;
        _deadline = duration is { } d ? _started + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        _pacer = fps > 0 ? new PeriodicTimer(TimeSpan.FromSeconds(1 / fps)) : null;
    }

    /// <summary>Why the schedule ended: "frames", "duration", or "signal" (cancelled).</summary>
    public string StoppedBy { get; private set; } = "signal";

    /// <summary>Waits until frame <paramref name="sequence"/> is due; false when the run is over.</summary>
    public async ValueTask<bool> WaitForFrameAsync(ulong sequence, CancellationToken stop)
    {
        if (_frames > 0 && (long)sequence >= _frames)
        {
            StoppedBy = "frames";
            return false;
        }

        if (Stopwatch.GetTimestamp() >= _deadline)
        {
            StoppedBy = "duration";
            return false;
        }

        if (_pacer is not null && sequence >= (ulong)(Stopwatch.GetElapsedTime(_started).TotalSeconds * _fps))
        {
            try
            {
                await _pacer.WaitForNextTickAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return !stop.IsCancellationRequested;
    }

    public void Dispose() => _pacer?.Dispose();
}
