using System.Globalization;
using System.Text;
using RawFrames.Bench.Scenarios;

namespace RawFrames.Bench.Reports;

/// <summary>The scenario results as markdown (for people and RESULTS.md) and CSV (for spreadsheets and plots).</summary>
public static class ScenarioReport
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static string Markdown(IReadOnlyList<ScenarioResult> results, IReadOnlyList<LoopbackCeiling.Ceiling> ceilings, TimeSpan saturated, TimeSpan paced)
    {
        var text = new StringBuilder();
        if (ceilings.Count > 0)
        {
            text.AppendLine("### Loopback ceiling (measured in this run)").AppendLine()
                .AppendLine("| transport | MB/s | method |").AppendLine("|---|---:|---|");
            foreach (LoopbackCeiling.Ceiling ceiling in ceilings)
            {
                text.AppendLine(s_invariant, $"| {Name(ceiling.Transport)} | {ceiling.MegabytesPerSecond:N0} | {ceiling.Method} |");
            }

            text.AppendLine();
        }

        List<ScenarioResult> transport = results.Where(r => r.Group == ScenarioSuite.TransportGroup).ToList();
        if (transport.Count > 0)
        {
            text.AppendLine(s_invariant, $"### Transport: 1920x1080 photo, every codec, TCP, Unix socket and shared memory").AppendLine()
                .AppendLine(s_invariant, $"Saturated for {saturated.TotalSeconds:0} s; latency paced at {ScenarioRunner.PacedFps:0} fps (or half the saturated rate when lower) for {paced.TotalSeconds:0} s, capture to decoded frame. CPU: whole process, user + system, per frame.").AppendLine()
                .AppendLine("| format | transport | frames/s | vs TCP | MB/s | of ceiling | CPU ms/frame sender | CPU ms/frame receiver | bytes/frame | latency p50 / p99 ms | allocated B/frame sender / receiver |")
                .AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (ScenarioResult r in transport)
            {
                double? ceiling = ceilings.FirstOrDefault(c => Name(c.Transport) == r.Transport)?.MegabytesPerSecond;
                string share = ceiling is > 0 ? (r.MegabytesPerSecond / ceiling.Value).ToString("0.00", s_invariant) + "x" : "-";
                // The same format over TCP in this run: what the transport alone buys.
                double? tcp = transport.FirstOrDefault(t => t.Format == r.Format && t.Transport == "tcp")?.Fps;
                string versusTcp = tcp is > 0 ? (r.Fps / tcp.Value).ToString("0.00", s_invariant) + "x" : "-";
                text.AppendLine(s_invariant,
                    $"| {r.Format} | {r.Transport} | {r.Fps:0.0} | {versusTcp} | {r.MegabytesPerSecond:N0} | {share} | {r.SenderCpuMs:0.00} | {r.ReceiverCpuMs:0.00} | {r.BytesPerFrame:N0} | {Latency(r)} | {Bytes(r.SenderAllocatedBytes)} / {Bytes(r.ReceiverAllocatedBytes)} |");
            }

            text.AppendLine();
        }

        foreach (IGrouping<string, ScenarioResult> content in results.Where(r => r.Group == ScenarioSuite.TableGroup).GroupBy(r => r.Content))
        {
            text.AppendLine(s_invariant, $"### {Describe(content.Key)}: format by format").AppendLine()
                .AppendLine("| format | FPS | CPU sender | CPU receiver | bytes/frame | latency p50 (at fps) |")
                .AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (ScenarioResult r in content)
            {
                text.AppendLine(s_invariant,
                    $"| {r.Format} | {r.Fps:0.0} | {r.SenderCpuPercent:0} % ({r.SenderCpuMs:0.00} ms/frame) | {r.ReceiverCpuPercent:0} % ({r.ReceiverCpuMs:0.00} ms/frame) | {r.BytesPerFrame:N0} | {r.LatencyP50Ms:0.0} ms ({r.PacedFps:0}) |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    public static string Csv(IReadOnlyList<ScenarioResult> results)
    {
        var text = new StringBuilder("group,content,format,transport,fps,mb_per_s,cpu_ms_per_frame_sender,cpu_ms_per_frame_receiver,")
            .AppendLine("cpu_percent_sender,cpu_percent_receiver,bytes_per_frame,latency_ms_p50,latency_ms_p99,paced_fps,frames");
        foreach (ScenarioResult r in results)
        {
            text.AppendLine(string.Join(',',
                r.Group, r.Content, Quote(r.Format), r.Transport, Number(r.Fps), Number(r.MegabytesPerSecond), Number(r.SenderCpuMs),
                Number(r.ReceiverCpuMs), Number(r.SenderCpuPercent), Number(r.ReceiverCpuPercent), Number(r.BytesPerFrame),
                Number(r.LatencyP50Ms), Number(r.LatencyP99Ms), Number(r.PacedFps), r.Frames.ToString(s_invariant)));
        }

        return text.ToString();
    }

    public static string Describe(string content) => content switch
    {
        "Noise1000" => "1000x1000 random noise (the classic table's frames)",
        "Photo1080" => "1920x1080 natural photo",
        _ => "1920x1080 synthetic pattern",
    };

    private static string Name(TransportKind transport) => ScenarioRunner.TransportName(transport);

    private static string Latency(ScenarioResult r) =>
        r.LatencyP50Ms is null ? "-" : string.Create(s_invariant, $"{r.LatencyP50Ms:0.0} / {r.LatencyP99Ms:0.0}");

    // Allocation is measured from frame 100 on; shorter runs have no figure.
    private static string Bytes(double? value) => value is { } v ? v.ToString("0", s_invariant) : "-";

    private static string Number(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.###", s_invariant) : "";

    private static string Quote(string text) => text.Contains(',', StringComparison.Ordinal) ? $"\"{text}\"" : text;
}
