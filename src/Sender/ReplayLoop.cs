using System.Diagnostics;
using RawFrames.Client;
using RawFrames.Programs.Stats;

namespace RawFrames.Sender;

/// <summary>What --source replay:PATH does besides reading: pace, loop and where to start.</summary>
/// <param name="Speed">1 plays at the recorded pace, 2 twice as fast; ignored when <paramref name="Fps"/> is given.</param>
/// <param name="Fps">0: as fast as possible; a rate: that rate, whatever the recorded pace; null: the recorded pace.</param>
/// <param name="FromSeconds">Start this many seconds after the recording's first frame.</param>
/// <param name="FromSequence">Start at the first frame with this sequence number or a later one (in its stream).</param>
internal sealed record ReplaySettings(double Speed, double? Fps, bool Loop, double? FromSeconds, ulong? FromSequence);

/// <summary>
/// --source replay:PATH: the recorded frames sent byte for byte as they were received (every header field, the
/// metadata), paced by their own timestamps: frame i leaves at start + (timestamp i − first timestamp) / speed. How
/// far the replayed intervals stray from the recorded ones is measured on the way (<see cref="IntervalErrors"/>).
/// </summary>
internal sealed class ReplayLoop(RecordingReader reader, ReplaySettings settings, long frameLimit, TimeSpan? duration, FrameSender sender,
    TransferTotals totals, AllocationWindow allocations)
{
    /// <summary>|replayed interval − recorded interval / speed| between consecutive frames, when paced by the recording.</summary>
    public LatencyHistogram IntervalErrors { get; } = new();

    /// <summary>Times the recording was started again (--loop).</summary>
    public int Loops { get; private set; }

    public async Task<StopCause> RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, sender.StoppedToken);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        bool first = true;
        long firstTimestamp = 0;
        long startedTicks = 0;
        long previousSent = 0;
        long previousTimestamp = 0;
        long sinceStart = 0;
        Start();
        try
        {
            while (true)
            {
                if (!reader.Read(out RecordedFrame frame))
                {
                    if (!settings.Loop || sent == 0)
                    {
                        return StopCause.Source;
                    }

                    Loops++;
                    reader.Rewind();
                    first = true; // the recording's clock starts again
                    continue;
                }

                if (frameLimit > 0 && sent >= frameLimit)
                {
                    return StopCause.Frames;
                }

                if (duration is { } limit && clock.Elapsed >= limit)
                {
                    return StopCause.Duration;
                }

                if (first)
                {
                    (firstTimestamp, startedTicks, first) = (frame.TimestampNs, clock.ElapsedTicks, false);
                    (previousSent, sinceStart) = (0, 0);
                }

                long due = DueTicks(frame.TimestampNs - firstTimestamp, sinceStart++);
                await WaitUntilAsync(clock, startedTicks + due, stop.Token).ConfigureAwait(false);

                long now = clock.ElapsedTicks;
                if (previousSent != 0 && settings.Fps is null)
                {
                    double recorded = (frame.TimestampNs - previousTimestamp) / settings.Speed;
                    double replayed = (now - previousSent) * 1e9 / Stopwatch.Frequency;
                    IntervalErrors.RecordNanoseconds((long)Math.Abs(replayed - recorded));
                }

                (previousSent, previousTimestamp) = (now, frame.TimestampNs);
                if (!await sender.SendFrameAsync(frame.Info, frame.Payload, frame.Metadata, stop.Token).ConfigureAwait(false))
                {
                    if (sender.Stopped)
                    {
                        return StopCause.Receiver; // the run looks at how (sender.End)
                    }

                    continue; // dropped under latest while reconnecting
                }

                sent++;
                allocations.OnFrame(totals.AddFrame(frame.Payload.Length));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return sender.Stopped ? StopCause.Receiver : StopCause.Signal;
        }
    }

    // Timers wake a millisecond or more late: sleep to within 2 ms of the time, then yield the core until it comes.
    private static async Task WaitUntilAsync(Stopwatch clock, long dueTicks, CancellationToken cancellationToken)
    {
        long margin = Stopwatch.Frequency / 500;
        long wait = dueTicks - clock.ElapsedTicks;
        if (wait > margin)
        {
            await Task.Delay(TimeSpan.FromTicks((wait - margin) * TimeSpan.TicksPerSecond / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }

        while (clock.ElapsedTicks < dueTicks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Thread.Yield();
        }
    }

    // Where the first frame is: a time after the recording's start, or a sequence number (in any stream).
    private void Start()
    {
        if (settings.FromSeconds is { } seconds && reader.TimeSpanNs is { } span)
        {
            reader.SeekToTime(span.First + (long)(seconds * 1e9));
        }
        else if (settings.FromSequence is { } sequence)
        {
            while (reader.Read(out RecordedFrame frame))
            {
                if (frame.Sequence >= sequence)
                {
                    reader.SeekToSequence(frame.StreamId, sequence);
                    return;
                }
            }
        }
    }

    // Ticks after the start at which a frame leaves: the recorded pace scaled, a fixed rate, or at once.
    private long DueTicks(long sinceFirstNs, long framesBefore) => settings.Fps switch
    {
        0 => 0,
        { } fps => (long)(framesBefore * Stopwatch.Frequency / fps),
        _ => (long)(Math.Max(0, sinceFirstNs) / settings.Speed * Stopwatch.Frequency / 1e9),
    };
}
