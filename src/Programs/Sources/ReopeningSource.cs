using System.Diagnostics;
using RawFrames.Client;

namespace RawFrames.Programs.Sources;

/// <summary>
/// A live source (a camera, an RTSP or other network stream) that may drop and come back: when it ends or fails, it
/// is opened again with backoff (50 ms doubling to 1 s, the library's) until it answers or the run is stopped, and
/// reading goes on (what the source sent during the outage is lost; paced under the latest policy, it shows as a gap
/// in the sequence). A source that comes back at
/// another size ends the run. The dropped source is disposed only once as many frames as can be in flight have been
/// read from the new one, so that no frame still being encoded or sent loses its memory.
/// </summary>
public sealed class ReopeningSource : IFrameSource
{
    private readonly Func<CancellationToken, Task<IFrameSource>> _open;
    private readonly int _framesInFlight;
    private readonly string _name;
    private readonly Action<string> _log;
    private readonly Queue<(IFrameSource Source, long RetireAfter)> _retired = new();
    private IFrameSource _current;
    private long _reads;

    /// <param name="open">Opens the source again (it was opened once already: <paramref name="first"/>).</param>
    /// <param name="name">Names the source in the log, e.g. "ffmpeg (rtsp://camera/stream)".</param>
    public ReopeningSource(IFrameSource first, Func<CancellationToken, Task<IFrameSource>> open, int framesInFlight, string name, Action<string> log)
    {
        (_current, _open, _framesInFlight, _name, _log) = (first, open, framesInFlight, name, log);
    }

    public int Width => _current.Width;

    public int Height => _current.Height;

    public int Stride => _current.Stride;

    public PixelFormat PixelFormat => _current.PixelFormat;

    public double NativeFps => _current.NativeFps;

    /// <summary>Times the source was opened again.</summary>
    public int Reopens { get; private set; }

    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(ulong sequence, CancellationToken cancellationToken)
    {
        while (true)
        {
            string lost;
            try
            {
                if (await _current.ReadAsync(sequence, cancellationToken) is { } frame)
                {
                    RetireOld();
                    return frame;
                }

                lost = "it ended";
            }
            catch (IOException e)
            {
                lost = e.Message;
            }

            await ReopenAsync(lost, cancellationToken);
        }
    }

    public void Dispose()
    {
        _current.Dispose();
        while (_retired.TryDequeue(out (IFrameSource Source, long _) old))
        {
            old.Source.Dispose();
        }
    }

    private async Task ReopenAsync(string lost, CancellationToken cancellationToken)
    {
        _log($"source {_name} lost: {lost}; opening it again until it answers (Ctrl+C stops)");
        long started = Stopwatch.GetTimestamp();
        var backoff = default(Backoff);
        for (int attempt = 1; ; attempt++)
        {
            await Task.Delay(backoff.Next(), cancellationToken);
            IFrameSource next;
            try
            {
                next = await _open(cancellationToken);
            }
            catch (IOException e)
            {
                if (attempt == 1 || attempt % 30 == 0)
                {
                    _log($"source {_name}: still not back after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.#} s: {e.Message}");
                }

                continue;
            }

            if ((next.Width, next.Height, next.PixelFormat) != (Width, Height, PixelFormat))
            {
                next.Dispose();
                throw new IOException($"source {_name} came back as {next.Width}x{next.Height} {next.PixelFormat}, not {Width}x{Height} {PixelFormat}: a stream keeps one size");
            }

            _retired.Enqueue((_current, _reads + _framesInFlight + 1));
            _current = next;
            Reopens++;
            _log($"source {_name} is back after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms (reopened {Reopens} time(s)); what it sent meanwhile is lost");
            return;
        }
    }

    // Frames read from a dropped source may still be in flight for a while after it was replaced.
    private void RetireOld()
    {
        _reads++;
        while (_retired.TryPeek(out (IFrameSource Source, long RetireAfter) old) && _reads > old.RetireAfter)
        {
            _retired.Dequeue().Source.Dispose();
        }
    }
}
