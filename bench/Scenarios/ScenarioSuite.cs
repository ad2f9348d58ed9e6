using RawFrames.Bench.Codecs;
using RawFrames.Bench.Content;

namespace RawFrames.Bench.Scenarios;

/// <summary>
/// The scenarios the bench runs over real sockets: every codec on TCP, Unix sockets and shared memory with a natural 1080p photo,
/// and the PNG/JPG/BMP-style comparison table (1000x1000 noise and the photo) with today's HTTP approaches beside
/// RawFrames. A scenario is measured once even when it appears in both.
/// </summary>
public static class ScenarioSuite
{
    public const string TransportGroup = "transport";
    public const string TableGroup = "table";

    private static readonly CodecCase[] s_transportCodecs = [CodecCase.Raw, CodecCase.JpegQ80, CodecCase.YuvJpegQ80, CodecCase.Png, CodecCase.Bmp];
    private static readonly CodecCase[] s_tableCodecs = [CodecCase.Bmp, CodecCase.Png, CodecCase.JpegQ80, CodecCase.YuvJpegQ80, CodecCase.Raw];

    /// <summary>Every scenario with its group; names for --filter are <c>scenarios/GROUP/CONTENT/TRANSPORT/FORMAT</c>.</summary>
    public static IEnumerable<(string Group, Scenario Scenario)> All()
    {
        foreach (TransportKind transport in new[] { TransportKind.Tcp, TransportKind.Unix, TransportKind.SharedMemory })
        {
            foreach (CodecCase codec in s_transportCodecs)
            {
                yield return (TransportGroup, new ProtocolScenario(codec, ContentKind.Photo1080, transport));
            }

            yield return (TransportGroup, new ProtocolScenario(CodecCase.YuvJpegQ80, ContentKind.Photo1080, transport, FastDecode: true));
        }

        foreach (ContentKind content in new[] { ContentKind.Noise1000, ContentKind.Photo1080 })
        {
            foreach (CodecCase codec in s_tableCodecs)
            {
                yield return (TableGroup, new ProtocolScenario(codec, content, TransportKind.Tcp));
            }

            yield return (TableGroup, BaselineScenario.HttpPost(content));
            yield return (TableGroup, BaselineScenario.Mjpeg(content));
        }
    }

    public static string FilterName(string group, Scenario scenario) => $"scenarios/{group}/{scenario.Name}";

    /// <summary>Runs the selected scenarios, printing each row as it completes; a failure is reported, counted and skipped.</summary>
    public static async Task<(List<ScenarioResult> Results, List<string> Failures)> RunAsync(ScenarioRunner runner, Func<string, bool> selected, TextWriter log)
    {
        var measured = new Dictionary<Scenario, ScenarioResult>();
        var results = new List<ScenarioResult>();
        var failures = new List<string>();
        foreach ((string group, Scenario scenario) in All())
        {
            if (!selected(FilterName(group, scenario)))
            {
                continue;
            }

            if (!measured.TryGetValue(scenario, out ScenarioResult? result))
            {
                log.Write($"// scenario {FilterName(group, scenario)} ... ");
                try
                {
                    result = await runner.RunAsync(scenario, group);
                    measured[scenario] = result;
                    log.WriteLine($"{result.Fps:0.0} fps, CPU {result.SenderCpuMs:0.00} + {result.ReceiverCpuMs:0.00} ms/frame, p50 {result.LatencyP50Ms:0.0} ms");
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.Text.Json.JsonException)
                {
                    log.WriteLine($"FAILED: {e.Message}");
                    failures.Add($"{FilterName(group, scenario)}: {e.Message}");
                    continue;
                }
            }

            results.Add(result with { Group = group });
        }

        return (results, failures);
    }
}
