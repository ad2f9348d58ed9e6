using System.Text.RegularExpressions;
using BenchmarkDotNet.Running;
using RawFrames.Bench;
using RawFrames.Bench.Content;
using RawFrames.Bench.ModelInputs;
using RawFrames.Bench.OpenCvComparison;
using RawFrames.Bench.Reports;
using RawFrames.Bench.Scenarios;
using RawFrames.Bench.Scenarios.Baselines;

// A baseline role (one side of an HTTP comparison), started by the scenario runner as its own process.
if (args.Contains("--role"))
{
    return await BaselineRoles.RunAsync(args);
}

// cd bench && dotnet run -c Release [-- --quick] [-- --filter PATTERN ...] [other BenchmarkDotNet options]
// --filter patterns select BenchmarkDotNet benchmarks (e.g. '*TurboJpeg*'), the OpenCV comparison ('opencv'), the model-ready
// frames comparison ('model') and scenarios
// (e.g. 'scenarios/table/*').
bool quick = args.Contains("--quick");
List<string> patterns = [];
List<string> benchmarkArgs = [];
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--quick")
    {
        continue;
    }

    if (args[i] == "--filter")
    {
        while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            patterns.Add(args[++i]);
        }

        continue;
    }

    benchmarkArgs.Add(args[i]);
}

if (patterns.Count == 0)
{
    patterns.Add("*");
}

// Each run replaces the previous run's files, so the folder never mixes two runs.
string output = Repository.Path("bench", "results", quick ? "quick" : "latest");
if (Directory.Exists(output))
{
    Directory.Delete(output, recursive: true);
}

Directory.CreateDirectory(output);
var selectors = patterns.Select(p => new Regex("^" + Regex.Escape(p).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
    RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)).ToList();
bool Selected(string name) => selectors.Any(s => s.IsMatch(name));

// 1. BenchmarkDotNet: codecs and protocol, in process.
if (!patterns.All(p => p.StartsWith("scenarios/", StringComparison.OrdinalIgnoreCase)))
{
    BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run([.. benchmarkArgs, "--filter", .. patterns], BenchConfig.Create(quick, output));
}

// 2. OpenCvSharp beside RawFrames: its codecs, and an OpenCvSharp application streaming Mats.
if (Selected("opencv"))
{
    Console.WriteLine("// * OpenCvSharp beside RawFrames *");
    string opencv = await OpenCvReport.RunAsync(quick);
    await File.WriteAllTextAsync(Path.Combine(output, "opencv.md"), opencv);
    Console.WriteLine(opencv);
}

// 3. Model-ready frames: RawFrames' tensors beside the seeds' cv2 pipeline, in process and end to end.
if (Selected("model"))
{
    Console.WriteLine("// * Model-ready frames beside the cv2 pipeline *");
    string model = await ModelInputReport.RunAsync(quick);
    await File.WriteAllTextAsync(Path.Combine(output, "model.md"), model);
    Console.WriteLine(model);
}

// 4. Scenarios over real sockets, with the ceiling measured in the same run.
var runner = new ScenarioRunner(quick);
if (!ScenarioSuite.All().Any(s => Selected(ScenarioSuite.FilterName(s.Group, s.Scenario))))
{
    return 0;
}

Console.WriteLine("// * Scenarios: separate sender and receiver processes over real sockets *");
var ceilings = new List<LoopbackCeiling.Ceiling>();
foreach (TransportKind transport in new[] { TransportKind.Tcp, TransportKind.Unix })
{
    ceilings.Add(await LoopbackCeiling.MeasureAsync(transport, runner.SaturatedDuration));
}

(List<ScenarioResult> results, List<string> failures) = await ScenarioSuite.RunAsync(runner, Selected, Console.Out);
string markdown = ScenarioReport.Markdown(results, ceilings, runner.SaturatedDuration, runner.PacedDuration);
await File.WriteAllTextAsync(Path.Combine(output, "scenarios.md"), markdown);
await File.WriteAllTextAsync(Path.Combine(output, "scenarios.csv"), ScenarioReport.Csv(results));
await File.WriteAllTextAsync(Path.Combine(output, "chart.svg"), SvgChart.Render(results));
Console.WriteLine();
Console.WriteLine(markdown);
Console.WriteLine($"// results: {output} (BenchmarkDotNet tables in results/, scenarios.md, scenarios.csv, chart.svg)");
foreach (string failure in failures)
{
    Console.Error.WriteLine($"scenario failed: {failure}");
}

return failures.Count == 0 ? 0 : 1;
