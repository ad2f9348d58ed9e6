using System.Diagnostics;

namespace RawFrames.Viewer;

/// <summary>One browser (or other HTTP client) watching a stream: what it got and what it skipped for being slow.</summary>
public sealed class ViewerStats(long id, string remote)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _frames;
    private long _skipped;
    private long _bytes;
    private long _lastVersion;
    private PaintReport? _painted;

    public long Id { get; } = id;

    public string Remote { get; } = remote;

    public void OnSent(int bytes, long version, long skipped)
    {
        Volatile.Write(ref _lastVersion, version);
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _skipped, skipped);
    }

    /// <summary>A page's report of what it painted (JSON: painted, latency_ms_p50, latency_ms_p99, path); a report that does not parse is ignored.</summary>
    public void OnPaintReport(ReadOnlySpan<byte> json)
    {
        try
        {
            if (System.Text.Json.JsonSerializer.Deserialize<PaintReport>(json) is { } report)
            {
                Volatile.Write(ref _painted, report);
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // not a report
        }
    }

    /// <param name="latestVersion">The stream's newest JPEG: what this viewer has not been sent of it shows as behind.</param>
    public object ToState(long latestVersion) => new
    {
        id = Id,
        remote = Remote,
        frames = Interlocked.Read(ref _frames),
        skipped = Interlocked.Read(ref _skipped),
        bytes = Interlocked.Read(ref _bytes),
        behind = Math.Max(0, latestVersion - Volatile.Read(ref _lastVersion)),
        seconds = Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 3),
        painted = Volatile.Read(ref _painted),
    };

    /// <summary>What a page drawing frames from /frames/ID says it painted: frames, capture-to-paint latency on this host's clock, and how it draws.</summary>
    internal sealed record PaintReport(
        [property: System.Text.Json.Serialization.JsonPropertyName("painted")] long Painted,
        [property: System.Text.Json.Serialization.JsonPropertyName("latency_ms_p50")] double? LatencyMsP50,
        [property: System.Text.Json.Serialization.JsonPropertyName("latency_ms_p99")] double? LatencyMsP99,
        [property: System.Text.Json.Serialization.JsonPropertyName("path")] string? Path);
}
