using System.Collections.Concurrent;
using System.Diagnostics;
using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Viewer;

/// <summary>
/// One stream id as browsers see it: the latest frame as a shared JPEG, made only while someone watches, at most one
/// at a time. A frame that arrives while the last is still being encoded is skipped (viewers always get the latest,
/// and the receiver never waits for a browser); each viewer then sends the newest JPEG whenever it is ready for one.
/// </summary>
public sealed class LiveStream : IDisposable
{
    private readonly Lock _lock = new();
    private readonly FrameToJpeg _maker;
    private readonly ConcurrentDictionary<long, ViewerStats> _viewers = new();
    private readonly Dictionary<int, SharedJpeg> _scaled = []; // guarded by _lock: the latest JPEG made at each width asked for
    private readonly JpegScaler _scaler;
    private long _scaledMade;
    private SharedJpeg? _latest; // guarded by _lock
    private TaskCompletionSource _changed = NewSignal(); // guarded by _lock
    private byte[] _input = [];
    private int _busy;
    private int _wanted;
    private long _version;
    private long _frames;
    private long _skipped;
    private long _firstFrame;
    private FrameInfo _last;
    private string _remote = "";
    private string? _unsupported;
    private int _lastWidth;
    private long _gaps;
    private long _latencyNs = -1;
    private bool _replay;
    private bool _detections;

    public LiveStream(uint streamId, CodecPool codecs, TimeSpan resultBudget)
    {
        StreamId = streamId;
        Results = new FrameResults(resultBudget);
        _maker = new FrameToJpeg(codecs);
        _scaler = new JpegScaler(codecs);
    }

    public uint StreamId { get; }

    /// <summary>Subscribers' RESULTs for this stream's frames, by sequence number (a relay's view).</summary>
    public FrameResults Results { get; }

    /// <summary>At least one browser is watching.</summary>
    public bool IsWatched => Volatile.Read(ref _wanted) > 0;

    /// <summary>A connection is feeding it now.</summary>
    public bool Live { get; set; }

    /// <summary>Called on the receiver's connection task for every frame; returns at once.</summary>
    public void OnFrame(string remote, FrameInfo header, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> metadata = default, bool replay = false)
    {
        _replay = replay;
        if (!_detections && metadata.IndexOf("\"detections\""u8) >= 0)
        {
            _detections = true; // the page draws this stream on a canvas, with each frame's boxes (PROTOCOL.md §20)
        }

        if (Interlocked.Increment(ref _frames) == 1)
        {
            _firstFrame = Stopwatch.GetTimestamp();
        }

        if (_frames > 1 && header.Sequence > _last.Sequence + 1)
        {
            Interlocked.Add(ref _gaps, (long)(header.Sequence - _last.Sequence - 1));
        }

        // Capture to arrival, shown only when it is plausible for one clock (a sender on another host may disagree),
        // and never for a replay, whose timestamps are the recording's.
        long latency = UnixNowNs() - header.TimestampNs;
        Volatile.Write(ref _latencyNs, !replay && latency is >= 0 and < 60_000_000_000 ? latency : -1);
        (_last, _remote, Live) = (header, remote, true);
        Volatile.Write(ref _lastWidth, header.Width);
        if (Volatile.Read(ref _wanted) == 0)
        {
            return;
        }

        if (Interlocked.Exchange(ref _busy, 1) == 1)
        {
            Interlocked.Increment(ref _skipped); // still encoding the last one: this one is superseded anyway
            return;
        }

        if ((_unsupported = FrameToJpeg.WhyNot(header)) is not null)
        {
            Volatile.Write(ref _busy, 0);
            return;
        }

        long version = Interlocked.Increment(ref _version);
        byte[] meta = metadata.IsEmpty ? [] : metadata.ToArray();
        header = header with { StreamId = StreamId }; // the id it is shown under (another producer's may have been moved)
        if (FrameToJpeg.IsJpeg(header))
        {
            Publish(SharedJpeg.Create(payload, version, header, meta));
            Volatile.Write(ref _busy, 0);
            return;
        }

        // The payload is valid only until the receiver reads on: copy it, then encode off the receiver's task.
        if (_input.Length < payload.Length)
        {
            _input = GC.AllocateUninitializedArray<byte>(payload.Length);
        }

        payload.CopyTo(_input);
        int length = payload.Length;
        _ = Task.Run(() =>
        {
            try
            {
                FrameInfo encoded = header with { Codec = Codec.Jpeg, PixelFormat = PixelFormat.Bgr24 };
                Publish(SharedJpeg.Create(FrameToJpeg.MaxSize(header), version, encoded, buffer => _maker.Encode(header, _input.AsSpan(0, length), buffer), meta));
            }
            catch (Exception e) when (e is RawFrames.Codecs.CorruptFrameException or InvalidOperationException)
            {
                _unsupported = $"frame {header.Sequence} could not be shown: {e.Message}";
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        });
    }

    /// <summary>
    /// The newest JPEG after <paramref name="seenVersion"/>, with a reference the caller releases; waits for one.
    /// Null when <paramref name="cancellationToken"/> ends the wait.
    /// </summary>
    public async Task<SharedJpeg?> NextAsync(long seenVersion, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Task changed;
            lock (_lock)
            {
                if (_latest is { } latest && latest.Version > seenVersion && latest.TryAddReference())
                {
                    return latest;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="full"/> (held by the caller) at <paramref name="width"/>, made once per frame and width for every
    /// viewer that asks, with a reference the caller releases; the frame itself when it is not wider than that.
    /// </summary>
    public SharedJpeg ScaledTo(SharedJpeg full, int width)
    {
        if (width >= Volatile.Read(ref _lastWidth))
        {
            full.TryAddReference();
            return full;
        }

        lock (_lock)
        {
            if (_scaled.TryGetValue(width, out SharedJpeg? made) && made.Version == full.Version && made.TryAddReference())
            {
                return made;
            }

            SharedJpeg scaled = _scaler.Scale(full, width);
            Interlocked.Increment(ref _scaledMade);
            scaled.TryAddReference(); // the cache's reference and the caller's
            if (_scaled.Remove(width, out SharedJpeg? older))
            {
                older.Release();
            }

            _scaled[width] = scaled;
            return scaled;
        }
    }

    /// <summary>The latest JPEG's version, 0 before any.</summary>
    public long LatestVersion
    {
        get
        {
            lock (_lock)
            {
                return _latest?.Version ?? 0;
            }
        }
    }

    /// <summary>Someone wants JPEGs (a viewer, a snapshot): until the returned scope ends, frames are encoded.</summary>
    public Interest Want()
    {
        Interlocked.Increment(ref _wanted);
        return new Interest(this);
    }

    public ViewerStats AddViewer(long id, string remote) => _viewers[id] = new ViewerStats(id, remote);

    public void RemoveViewer(long id) => _viewers.TryRemove(id, out _);

    public object ToState()
    {
        FrameInfo last = _last;
        long frames = Interlocked.Read(ref _frames);
        double seconds = frames > 0 ? Stopwatch.GetElapsedTime(_firstFrame).TotalSeconds : 0;
        return new
        {
            stream_id = StreamId,
            live = Live,
            remote = _remote,
            width = last.Width,
            height = last.Height,
            codec = last.Codec.ToString(),
            pixel_format = last.PixelFormat.ToString(),
            format = last.Codec == Codec.Raw ? $"raw {last.PixelFormat.ToString().ToUpperInvariant()}" : CodecNames.Name(last.Codec).ToUpperInvariant(),
            gaps = Interlocked.Read(ref _gaps),
            latency_ms = Volatile.Read(ref _latencyNs) is >= 0 and var ns ? Math.Round(ns / 1e6, 1) : (double?)null,
            replay = _replay,
            frames,
            fps = seconds > 0 ? Math.Round(frames / seconds, 3) : 0,
            last_sequence = last.Sequence,
            jpegs = Interlocked.Read(ref _version),
            scaled_jpegs = Interlocked.Read(ref _scaledMade),
            detections = _detections || Results.Received > 0, // drawn on a canvas, with each frame's own boxes
            results = Results.ToState(),
            skipped_while_encoding = Interlocked.Read(ref _skipped),
            not_shown = _unsupported,
            viewers = _viewers.Values.OrderBy(viewer => viewer.Id).Select(viewer => viewer.ToState(LatestVersion)).ToArray(),
        };
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _latest?.Release();
            _latest = null;
            foreach (SharedJpeg scaled in _scaled.Values)
            {
                scaled.Release();
            }

            _scaled.Clear();
        }

        _maker.Dispose();
        _scaler.Dispose();
    }

    private void Publish(SharedJpeg jpeg)
    {
        SharedJpeg? previous;
        TaskCompletionSource changed;
        lock (_lock)
        {
            (previous, _latest) = (_latest, jpeg);
            (changed, _changed) = (_changed, NewSignal());
        }

        previous?.Release();
        changed.TrySetResult();
    }

    private static long UnixNowNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The scope of a <see cref="Want"/>.</summary>
    public readonly struct Interest(LiveStream stream) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref stream._wanted);
    }
}
