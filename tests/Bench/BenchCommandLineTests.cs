using RawFrames.Tests.Support;

namespace RawFrames.Tests.Bench;

/// <summary>
/// The bench answers BenchmarkDotNet's command line as its documentation says: <c>--list</c>, <c>--info</c> and
/// <c>--help</c> print and run nothing, and never touch earlier results; <c>--filter</c> selects the bench's own parts
/// (OpenCV, model, scenarios) by name as it selects benchmarks.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class BenchCommandLineTests
{
    [Fact]
    public async Task List_NamesEveryPartUnderTheFilter_AndLeavesEarlierResultsAlone()
    {
        string marker = MarkEarlierResults();
        try
        {
            using var all = ProgramProcess.Start("rawframes-bench", "--list", "flat");
            (await all.WaitForExitAsync()).Should().Be(0, all.Stderr);
            all.StdoutLines.Should().Contain(["opencv", "model"]).And.Contain(line => line.StartsWith("scenarios/table/Photo1080/tcp/", StringComparison.Ordinal))
                .And.Contain(line => line.StartsWith("RawFrames.Bench.", StringComparison.Ordinal));

            using var some = ProgramProcess.Start("rawframes-bench", "--list", "flat", "--filter", "*TurboJpeg*", "opencv");
            (await some.WaitForExitAsync()).Should().Be(0, some.Stderr);
            some.StdoutLines.Should().Contain("opencv").And.NotContain("model").And.NotContain(line => line.StartsWith("scenarios/", StringComparison.Ordinal))
                .And.Contain(line => line.Contains("TurboJpeg", StringComparison.Ordinal));
            File.Exists(marker).Should().BeTrue("listing ran nothing, so it replaced nothing");
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Theory]
    [InlineData("--info", "BenchmarkDotNet v")]
    [InlineData("--help", "--filter PATTERN")]
    public async Task InfoAndHelp_OnlyPrint(string option, string said)
    {
        string marker = MarkEarlierResults();
        try
        {
            using var bench = ProgramProcess.Start("rawframes-bench", option);
            (await bench.WaitForExitAsync()).Should().Be(0, bench.Stderr);
            string.Join('\n', bench.StdoutLines).Should().Contain(said);
            File.Exists(marker).Should().BeTrue();
        }
        finally
        {
            File.Delete(marker);
        }
    }

    // A file in the results folder stands for an earlier run's results.
    private static string MarkEarlierResults()
    {
        string folder = Path.Combine(ReadmeCode.RepositoryRoot(), "bench", "results", "latest");
        Directory.CreateDirectory(folder);
        string marker = Path.Combine(folder, $"earlier-run-{Guid.NewGuid():N}.txt");
        File.WriteAllText(marker, "an earlier run's results");
        return marker;
    }
}
