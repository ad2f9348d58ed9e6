using System.Diagnostics;

namespace RawFrames.Viewer;

/// <summary>One browser (or other HTTP client) watching a stream: what it got and what it skipped for being slow.</summary>
internal sealed class ViewerStats(long id, string remote)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _frames;
    private long _skipped;
    private long _bytes;
    private long _lastVersion;

    public long Id { get; } = id;

    public string Remote { get; } = remote;

    public void OnSent(int bytes, long version, long skipped)
    {
        Volatile.Write(ref _lastVersion, version);
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _skipped, skipped);
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
    };
}
