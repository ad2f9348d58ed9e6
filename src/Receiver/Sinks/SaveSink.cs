using RawFrames.Programs;
using RawFrames.Programs.Sinks;
using RawFrames.Client;

namespace RawFrames.Receiver.Sinks;

/// <summary>--save: every Nth frame into a folder as it arrived; a failed write stops saving (said once), not receiving.</summary>
internal sealed class SaveSink(FrameSaver saver, Log log) : IFrameSink
{
    private int _failed;

    public long Saved => saver.Saved;

    public string? Failure => saver.Failure;

    public void OnFrame(in SinkFrame frame)
    {
        if (saver.Offer(frame.Info, frame.Payload.Span) is null && saver.Failure is { } failure && Interlocked.Exchange(ref _failed, 1) == 0)
        {
            log.Info($"--save stopped: {failure}; receiving goes on");
        }
    }
}
