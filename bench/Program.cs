using BenchmarkDotNet.Running;
using RawFrames.Bench;

// Entry point: see bench/README in RESULTS.md. Own options first, the rest goes to BenchmarkDotNet (--filter, --list).
bool quick = args.Contains("--quick");
string[] rest = args.Where(a => a != "--quick").ToArray();
string artifacts = Path.Combine(RawFrames.Bench.Content.Repository.Root, "bench", "results", quick ? "quick" : "latest");
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(rest.Length == 0 ? ["--filter", "*"] : rest, BenchConfig.Create(quick, artifacts));
return 0;
