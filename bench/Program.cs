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

var arguments = BenchArguments.Parse(args);
if (arguments.Help)
{
    Console.WriteLine(BenchArguments.Usage);
    BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(["--help"]);
    return 0;
}

var benchmarks = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly);
if (arguments.PrintsOnly)
{
    // BenchmarkDotNet lists its own benchmarks (or prints --info); the bench's other parts follow under the same filter.
    benchmarks.Run([.. arguments.PassThrough, "--filter", .. arguments.Patterns]);
    if (arguments.List is not null)
    {
        foreach (string name in new[] { BenchArguments.OpenCv, BenchArguments.Model }.Concat(ScenarioSuite.All().Select(s => ScenarioSuite.FilterName(s.Group, s.Scenario))))
        {
            if (arguments.Selected(name))
            {
                Console.WriteLine(name);
            }
        }
    }

    return 0;
}

// A run of everything replaces the previous run's folder, so it never mixes two runs; a filtered run replaces only
// the files of the parts it runs.
bool quick = arguments.Quick;
string output = Repository.Path("bench", "results", quick ? "quick" : "latest");
if (arguments.Everything && Directory.Exists(output))
{
    Directory.Delete(output, recursive: true);
}

Directory.CreateDirectory(output);
bool Selected(string name) => arguments.Selected(name);

// 1. BenchmarkDotNet: codecs and protocol, in process.
if (arguments.SelectsBenchmarks)
{
    benchmarks.Run([.. arguments.PassThrough, "--filter", .. arguments.Patterns.Where(p => !p.StartsWith("scenarios/", StringComparison.OrdinalIgnoreCase))],
        BenchConfig.Create(quick, output));
}

// 2. OpenCvSharp beside RawFrames: its codecs, and an OpenCvSharp application streaming Mats.
if (Selected(BenchArguments.OpenCv))
{
    Console.WriteLine("// * OpenCvSharp beside RawFrames *");
    string opencv = await OpenCvReport.RunAsync(quick);
    await File.WriteAllTextAsync(Path.Combine(output, "opencv.md"), opencv);
    Console.WriteLine(opencv);
}

// 3. Model-ready frames: RawFrames' tensors beside the cv2 pipeline Python consumers run today, in process and end to end.
if (Selected(BenchArguments.Model))
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
