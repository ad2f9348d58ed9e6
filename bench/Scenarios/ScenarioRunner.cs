using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RawFrames.Bench.Codecs;
using RawFrames.Bench.Content;
using RawFrames.Bench.Scenarios.Baselines;

namespace RawFrames.Bench.Scenarios;

/// <summary>
/// Runs a scenario as a user would: two separate processes over a real socket. Once saturated (as fast as the pair
/// goes: frames/s, MB/s, CPU per frame each side, bytes per frame), once paced at 30 fps or half the saturated rate
/// when that is lower (latency from the capture timestamp to the frame decoded, both processes on one clock; a pace
/// the pair cannot sustain would measure a growing queue, not latency).
/// </summary>
public sealed class ScenarioRunner(bool quick)
{
    public const double PacedFps = 30;

    private static readonly string s_configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public TimeSpan SaturatedDuration { get; } = TimeSpan.FromSeconds(quick ? 1 : 4);

    public TimeSpan PacedDuration { get; } = TimeSpan.FromSeconds(quick ? 1 : 3);

    public async Task<ScenarioResult> RunAsync(Scenario scenario, string group)
    {
        (JsonElement sent, JsonElement received) = await MeasureAsync(scenario, SaturatedDuration, fps: 0);
        double saturatedFps = Number(received, "fps") ?? 0;
        double pace = Math.Max(1, Math.Min(PacedFps, Math.Floor(saturatedFps / 2)));
        (_, JsonElement paced) = await MeasureAsync(scenario, PacedDuration, pace);
        long frames = received.GetProperty("frames").GetInt64();
        return new ScenarioResult(
            group,
            scenario.Content.ToString(),
            scenario.Format,
            scenario.TransportName,
            saturatedFps,
            Number(received, "mb_per_s") ?? 0,
            Number(sent, "cpu_ms_per_frame") ?? double.NaN,
            Number(received, "cpu_ms_per_frame") ?? double.NaN,
            frames > 0 ? received.GetProperty("bytes").GetInt64() / (double)frames : 0,
            Number(paced, "latency_ms_p50"),
            Number(paced, "latency_ms_p99"),
            pace,
            frames,
            Number(sent, "allocated_bytes_per_frame"),
            Number(received, "allocated_bytes_per_frame"));
    }

    public static string TransportName(TransportKind transport) => transport switch
    {
        TransportKind.Tcp => "tcp",
        TransportKind.Unix => "unix",
        _ => "shm",
    };

    private async Task<(JsonElement Sent, JsonElement Received)> MeasureAsync(Scenario scenario, TimeSpan duration, double fps)
    {
        string source = FrameContent.SourceSpec(scenario.Content) + (fps > 0 ? "@" + fps.ToString(CultureInfo.InvariantCulture) : "");
        string seconds = duration.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        TimeSpan limit = duration + TimeSpan.FromSeconds(60);
        ChildProcess receiving;
        ChildProcess sending;
        if (scenario is ProtocolScenario protocol)
        {
            string socket = Path.Combine(Path.GetTempPath(), $"rawframes-bench-{Environment.ProcessId}.sock");
            string endpoint = scenario.Transport switch
            {
                TransportKind.Unix => $"unix://{socket}",
                TransportKind.SharedMemory => $"shm://{socket}",
                _ => $"tcp://127.0.0.1:{FreePort()}",
            };
            string[] decode = protocol.Codec == CodecCase.Raw ? [] : protocol.FastDecode ? ["--decode", "bgr", "--fast-decode"] : ["--decode", "bgr"];
            receiving = ChildProcess.Start(ProgramPath("Receiver", "rawframes-recv"), ["--listen", endpoint, "--once", "--quiet", "--json", .. decode]);
            sending = ChildProcess.Start(ProgramPath("Sender", "rawframes-send"),
                ["--to", endpoint, "--source", source, "--duration", seconds, "--quiet", "--json", .. protocol.Codec.SenderArguments()]);
        }
        else
        {
            var baseline = (BaselineScenario)scenario;
            int port = FreePort();
            receiving = ChildProcess.StartRole(RoleArguments.Format(baseline.ReceivingRole, port, source, duration.TotalSeconds));
            sending = ChildProcess.StartRole(RoleArguments.Format(baseline.SendingRole, port, source, duration.TotalSeconds));
        }

        using (receiving)
        using (sending)
        {
            JsonElement sent = await sending.SummaryAsync(limit);
            JsonElement received = await receiving.SummaryAsync(limit);
            return (sent, received);
        }
    }

    internal static string ProgramPath(string project, string name)
    {
        string path = Content.Repository.Path("src", project, "bin", s_configuration, "net10.0", name);
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"{path} is missing: build the solution with dotnet build -c {s_configuration}", path);
    }

    internal static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static double? Number(JsonElement json, string name) =>
        json.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
