using System.Diagnostics.Metrics;
using RawFrames.Programs.Stats;

namespace RawFrames.Tests.Programs;

public sealed class TransferMetricsTests
{
    [Fact]
    public void Instruments_PublishTheTotalsTheProgramsPrint()
    {
        var totals = new TransferTotals();
        totals.AddFrame(1000);
        totals.AddFrame(3000);
        totals.AddGaps(5);
        totals.Latency.RecordNanoseconds(2_000_000);
        using var metrics = new TransferMetrics(totals, "rawframes-test");
        long connections = 3;
        metrics.AddGauge("rawframes.connections", () => connections, "{connection}", "open connections");

        Dictionary<string, double> seen = Collect(out Dictionary<string, object?> meterTags);

        seen["rawframes.frames"].Should().Be(2);
        seen["rawframes.bytes"].Should().Be(4000);
        seen["rawframes.gaps"].Should().Be(5);
        seen["rawframes.errors"].Should().Be(0);
        seen["rawframes.connections"].Should().Be(3);
        seen["rawframes.fps"].Should().Be(totals.FramesPerSecond);
        seen["rawframes.latency.p50"].Should().Be(totals.Latency.PercentileMs(50)).And.BeInRange(1.5, 2.5);
        meterTags.Should().Contain("rawframes.program", "rawframes-test");

        totals.AddFrame(500);
        connections = 1;
        Dictionary<string, double> later = Collect(out _);
        later["rawframes.frames"].Should().Be(3, "observable instruments read the live totals at each collection");
        later["rawframes.connections"].Should().Be(1);
    }

    [Fact]
    public void Percentiles_AreSilentUntilTheFirstValue()
    {
        var totals = new TransferTotals();
        using var metrics = new TransferMetrics(totals, "rawframes-test");

        Dictionary<string, double> seen = Collect(out _);

        seen.Should().ContainKey("rawframes.frames").WhoseValue.Should().Be(0);
        seen.Should().NotContainKey("rawframes.latency.p50", "a percentile of nothing would be a made-up number");
    }

    [Fact]
    public void DisposedMetrics_PublishNothing()
    {
        var totals = new TransferTotals();
        new TransferMetrics(totals, "rawframes-test").Dispose();

        Collect(out _).Should().BeEmpty();
    }

    // One collection, as dotnet-counters makes once a second: the latest value of every RawFrames instrument.
    private static Dictionary<string, double> Collect(out Dictionary<string, object?> meterTags)
    {
        var seen = new Dictionary<string, double>();
        var tags = new Dictionary<string, object?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TransferMetrics.MeterName)
                {
                    foreach (KeyValuePair<string, object?> tag in instrument.Meter.Tags ?? [])
                    {
                        tags[tag.Key] = tag.Value;
                    }

                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        meterTags = tags;
        return seen;
    }
}
