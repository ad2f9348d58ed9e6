using RawFrames.Protocol;
using RawFrames.Programs.Stats;
using RawFrames.Client;

namespace RawFrames.Programs.Sinks;

/// <summary>
/// Counts frames and bytes as they arrive, and the capture-to-here latency where the clocks agree: when the frame's
/// bytes arrive, or for a decoded frame when its pixels are ready.
/// </summary>
public sealed class TotalsSink(TransferTotals totals, AllocationWindow? allocations = null) : IFrameSink, IDecodedSink
{
    public void OnFrame(in SinkFrame frame)
    {
        long count = totals.AddFrame(frame.Payload.Length);
        allocations?.OnFrame(count);
        if (frame.MeasureLatency && frame.DecodesTo is null)
        {
            totals.Latency.RecordNanoseconds(UnixTime.NowNanoseconds() - frame.Info.TimestampNs);
        }
    }

    public void OnDecoded(in SinkFrame frame, in DecodedPixels pixels)
    {
        if (frame.MeasureLatency)
        {
            totals.Latency.RecordNanoseconds(UnixTime.NowNanoseconds() - frame.Info.TimestampNs);
        }
    }
}
