using System.Diagnostics;

namespace RawFrames.Viewer;

/// <summary>One browser (or other HTTP client) watching a stream: what it got and what it skipped for being slow.</summary>
internal sealed class ViewerStats(long id, string remote)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _frames;
    private long _skipped;
    private long _bytes;

    public long Id { get; } = id;

    public string Remote { get; } = remote;

    public void OnSent(int bytes, long skipped)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _skipped, skipped);
    }

    public object ToState() => new
    {
        id = Id,
        remote = Remote,
        frames = Interlocked.Read(ref _frames),
        skipped = Interlocked.Read(ref _skipped),
        bytes = Interlocked.Read(ref _bytes),
        seconds = Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 3),
    };
}
