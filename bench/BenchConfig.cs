using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using RawFrames.Bench.Codecs;

namespace RawFrames.Bench;

/// <summary>
/// How BenchmarkDotNet runs here: in process (the native libraries and the recorded frame sizes live in this process,
/// and no project is generated and rebuilt per benchmark), short iterations so the whole suite fits in about ten
/// minutes on two cores, medians and allocations shown, markdown and CSV written to the results folder.
/// </summary>
public static class BenchConfig
{
    public static IConfig Create(bool quick, string artifacts)
    {
        Job job = quick
            ? Job.Dry.WithId("quick")
            : Job.Default.WithId("bench").WithWarmupCount(2).WithIterationCount(8).WithIterationTime(TimeInterval.FromMilliseconds(150));
        return ManualConfig.CreateEmpty()
            .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance))
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Descriptor, DefaultColumnProviders.Params, DefaultColumnProviders.Metrics)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Error, BaselineRatioColumn.RatioMean, new FramesPerSecondColumn(), new EncodedSizes())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default)
            .WithArtifactsPath(artifacts)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(20))
            .WithOptions(ConfigOptions.DisableLogFile);
    }
}
