using System.Diagnostics.Metrics;

using RawFrames.Client;

namespace RawFrames.Programs.Stats;

/// <summary>
/// The figures a program prints, published as System.Diagnostics.Metrics instruments on the meter
/// <see cref="MeterName"/>, so that <c>dotnet-counters monitor --counters RawFrames -n rawframes-recv</c> and
/// OpenTelemetry read the same numbers as the live line and the summary.
/// </summary>
/// <remarks>
/// Every instrument is observable: it reads the program's own totals when a listener collects (once a second for
/// dotnet-counters), so publishing costs the frame path nothing and nothing at all when nobody listens. Counters are
/// cumulative (listeners derive rates); the gauges are the run's rate and the latency percentiles as printed.
/// </remarks>
public sealed class TransferMetrics : IDisposable
{
    public const string MeterName = "RawFrames";

    private readonly Meter _meter;

    /// <param name="program">Tagged on the meter as <c>rawframes.program</c>, e.g. <c>rawframes-recv</c>.</param>
    public TransferMetrics(TransferTotals totals, string program)
    {
        ArgumentNullException.ThrowIfNull(totals);
        _meter = new Meter(new MeterOptions(MeterName)
        {
            Version = "1",
            Tags = [new KeyValuePair<string, object?>("rawframes.program", program)],
        });
        _meter.CreateObservableCounter("rawframes.frames", () => totals.Frames, "{frame}", "Frames sent or received");
        _meter.CreateObservableCounter("rawframes.bytes", () => totals.Bytes, "By", "Payload bytes sent or received");
        _meter.CreateObservableCounter("rawframes.gaps", () => totals.Gaps, "{frame}", "Sequence numbers skipped: frames dropped or lost before they arrived");
        _meter.CreateObservableCounter("rawframes.errors", () => totals.Errors, "{error}", "Protocol errors and lost connections");
        _meter.CreateObservableCounter("rawframes.verify_failures", () => totals.VerifyFailures, "{frame}", "Frames that failed --verify");
        _meter.CreateObservableGauge("rawframes.fps", () => totals.FramesPerSecond, "{frame}/s", "Frames per second since the first frame, as in the summary");
        AddPercentiles("rawframes.latency", totals.Latency, "Capture timestamp to frame received (or decoded)");
    }

    /// <summary>A cumulative count read from the program's own state (e.g. frames acknowledged).</summary>
    public void AddCounter(string name, Func<long> read, string unit, string description) =>
        _meter.CreateObservableCounter(name, read, unit, description);

    /// <summary>A value read from the program's own state that goes up and down (e.g. open connections).</summary>
    public void AddGauge(string name, Func<long> read, string unit, string description) =>
        _meter.CreateObservableGauge(name, read, unit, description);

    /// <summary>Gauges <c>NAME.p50</c> and <c>NAME.p99</c> in milliseconds; silent until the histogram has a value.</summary>
    public void AddPercentiles(string name, LatencyHistogram histogram, string description)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        foreach (int percentile in (ReadOnlySpan<int>)[50, 99])
        {
            _meter.CreateObservableGauge<double>($"{name}.p{percentile}",
                () => histogram.Count == 0 ? [] : [new Measurement<double>(histogram.PercentileMs(percentile))],
                "ms", $"{description}, {percentile}th percentile");
        }
    }

    public void Dispose() => _meter.Dispose();
}
