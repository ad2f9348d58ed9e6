namespace RawFrames.Bench.Scenarios;

/// <summary>
/// One measured row: a format moved from a sending process to a receiving process. CPU is each whole process's
/// user + system time per frame (kernel copies included); percent of one core is that times the frame rate.
/// </summary>
public sealed record ScenarioResult(
    string Group,
    string Content,
    string Format,
    string Transport,
    double Fps,
    double MegabytesPerSecond,
    double SenderCpuMs,
    double ReceiverCpuMs,
    double BytesPerFrame,
    double? LatencyP50Ms,
    double? LatencyP99Ms,
    double PacedFps,
    long Frames,
    double? SenderAllocatedBytes = null,
    double? ReceiverAllocatedBytes = null)
{
    public double SenderCpuPercent => SenderCpuMs * Fps / 10;

    public double ReceiverCpuPercent => ReceiverCpuMs * Fps / 10;

    public double TotalCpuMs => SenderCpuMs + ReceiverCpuMs;
}
