using System.Diagnostics;
using System.Globalization;

namespace RawFrames.Programs.Stats;

/// <summary>Prints one line a second to stderr: rates over the last second and totals so far.</summary>
public sealed class LiveStatsPrinter : IAsyncDisposable
{
    private readonly TransferTotals _totals;
    private readonly string _label;
    private readonly Func<string>? _extra;
    private readonly TextWriter _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LiveStatsPrinter(TransferTotals totals, string label, TextWriter output, Func<string>? extra = null)
    {
        _totals = totals;
        _label = label;
        _output = output;
        _extra = extra;
        _loop = RunAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long started = Stopwatch.GetTimestamp();
        long lastFrames = 0;
        long lastBytes = 0;
        long lastTime = started;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                long now = Stopwatch.GetTimestamp();
                double interval = Stopwatch.GetElapsedTime(lastTime, now).TotalSeconds;
                long frames = _totals.Frames;
                long bytes = _totals.Bytes;
                string line = string.Create(CultureInfo.InvariantCulture,
                    $"[{_label}] {Stopwatch.GetElapsedTime(started, now).TotalSeconds,5:0.0}s {(frames - lastFrames) / interval,7:0.0} fps {(bytes - lastBytes) / interval / 1e6,8:0.0} MB/s  frames {frames}  gaps {_totals.Gaps}  errors {_totals.Errors}{FormatLatency()}{_extra?.Invoke()}");
                await _output.WriteLineAsync(line);
                (lastFrames, lastBytes, lastTime) = (frames, bytes, now);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private string FormatLatency() =>
        _totals.Latency.Count == 0
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $"  latency p50 {_totals.Latency.PercentileMs(50):0.00} ms p99 {_totals.Latency.PercentileMs(99):0.00} ms");
}
