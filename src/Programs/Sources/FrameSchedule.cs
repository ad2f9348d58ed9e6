using RawFrames.Programs.Stats;
using System.Diagnostics;
using RawFrames.Protocol;

namespace RawFrames.Programs.Sources;

/// <summary>
/// When the next frame is due and when to stop: a frame count, a duration, and pacing at a frame rate that keeps its
/// average (a timer tick can come late, so a frame that is already due goes out without waiting for another tick).
/// A paced source captures frame N at N / fps whether or not the sender is ready for it; when the link, the receiver
/// or the encoder is slower, the delivery policy decides: lossless sends every frame late, latest skips to the newest.
/// </summary>
public sealed class FrameSchedule : IDisposable
{
    private readonly long _frames;
    private readonly double _fps;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly long _startedUnixNs = UnixTime.NowNanoseconds();
    private readonly long _deadline;
    private readonly PeriodicTimer? _pacer;
    private readonly bool _latest;
    private long _dropped;

    /// <param name="frames">0 for no limit.</param>
    /// <param name="duration">Null for no limit.</param>
    /// <param name="fps">0 for as fast as possible.</param>
    /// <param name="latest">The latest policy: frames already superseded by a newer one are dropped, not sent late.</param>
    public FrameSchedule(long frames, TimeSpan? duration, double fps, bool latest = false)
    {
        _frames = frames;
        _fps = fps;
        _latest = latest;
        _deadline = duration is { } d ? _started + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        _pacer = fps > 0 ? new PeriodicTimer(TimeSpan.FromMilliseconds(1)) : null;
    }

    /// <summary>Why the schedule ended: <see cref="StopCause.Frames"/>, <see cref="StopCause.Duration"/>, or <see cref="StopCause.Signal"/> (cancelled).</summary>
    public StopCause StoppedBy { get; private set; } = StopCause.Signal;

    /// <summary>
    /// When frame <paramref name="sequence"/> was captured, in Unix nanoseconds: for a paced source its slot on the
    /// capture clock, so a frame sent late carries its real age and the receiver's latency shows a backlog; unpaced
    /// sources capture on demand, now.
    /// </summary>
    public long CaptureTimestampNs(ulong sequence) =>
        _pacer is null ? UnixTime.NowNanoseconds() : _startedUnixNs + (long)(sequence * 1e9 / _fps);

    /// <summary>Frames skipped by the latest policy; the receiver sees each as a sequence gap.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// The frame to send now in place of <paramref name="sequence"/>: under the latest policy the newest frame already
    /// captured (those in between are dropped and counted), otherwise <paramref name="sequence"/> itself. Called when
    /// the sender is ready for a frame, so time spent blocked on the link or the encoders turns into drops.
    /// </summary>
    public ulong TakeLatest(ulong sequence)
    {
        // Never before the first frame: a consumer counts gaps after the first frame it sees, so drops before it
        // would be invisible there.
        if (!_latest || _pacer is null || sequence == 0)
        {
            return sequence;
        }

        ulong newest = (ulong)(Stopwatch.GetElapsedTime(_started).TotalSeconds * _fps);
        if (_frames > 0)
        {
            newest = Math.Min(newest, (ulong)_frames - 1);
        }

        if (newest <= sequence)
        {
            return sequence;
        }

        Interlocked.Add(ref _dropped, (long)(newest - sequence));
        return newest;
    }

    /// <summary>Waits until frame <paramref name="sequence"/> is due; false when the run is over.</summary>
    public async ValueTask<bool> WaitForFrameAsync(ulong sequence, CancellationToken stop)
    {
        if (_frames > 0 && (long)sequence >= _frames)
        {
            StoppedBy = StopCause.Frames;
            return false;
        }

        if (Stopwatch.GetTimestamp() >= _deadline)
        {
            StoppedBy = StopCause.Duration;
            return false;
        }

        if (_pacer is not null && !await WaitUntilDueAsync(_pacer, sequence, stop))
        {
            return false;
        }

        return !stop.IsCancellationRequested;
    }

    public void Dispose() => _pacer?.Dispose();

    // Frame N is due at exactly N / fps, its capture timestamp. Timers tick in whole milliseconds and late, so a
    // periodic timer drifts off the slots and sent frames up to one interval late (17 ms at 30 fps, which showed as
    // latency). Instead: sleep on the timer until shortly before the slot, then spin the last stretch.
    private async ValueTask<bool> WaitUntilDueAsync(PeriodicTimer pacer, ulong sequence, CancellationToken stop)
    {
        long due = _started + (long)(sequence * (double)Stopwatch.Frequency / _fps);
        var spinner = default(SpinWait);
        while (!stop.IsCancellationRequested)
        {
            double remainingMs = (due - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (remainingMs <= 0)
            {
                return true;
            }

            if (remainingMs < SpinMilliseconds + 1)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            // Changing the period restarts the timer from now; a tick saved up earlier returns at once and the
            // loop simply looks again.
            pacer.Period = TimeSpan.FromMilliseconds(Math.Floor(remainingMs - SpinMilliseconds));
            try
            {
                await pacer.WaitForNextTickAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    // How early the timer wakes before a slot: timer ticks come up to about a millisecond late.
    private const double SpinMilliseconds = 1.5;
}
