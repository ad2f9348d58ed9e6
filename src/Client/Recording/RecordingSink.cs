using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RawFrames.Client.Logging;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// Every frame of every stream into a recording (<see cref="RecordingWriter"/>, read back by <see cref="RecordingReader"/>),
/// without ever slowing the live path. Frames are copied into
/// a bounded queue (by bytes) on the connection's loop and written by a task of their own; when the disk cannot keep
/// up (the queue is full) or a write fails (a full disk), the frame is left out of the recording and counted by
/// stream and sequence number. Files rotate at a size or a duration: PATH, then PATH-2, PATH-3 ... with the extension kept.
/// </summary>
public sealed class RecordingSink : IFrameSink, IAsyncDisposable
{
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly TimeSpan _maxDuration;
    private readonly long _queueBudget;
    private readonly ILogger _log;
    private readonly Channel<Job> _queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writing;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<uint, List<(ulong First, ulong Last)>> _dropped = [];
    private readonly List<string> _files = [];
    private RecordingWriter? _writer;
    private DateTime _fileStarted;
    private long _queuedBytes;
    private long _frames;
    private long _bytes;
    private long _droppedCount;
    private long _results;
    private string? _failure;

    private RecordingSink(string path, long maxBytes, TimeSpan maxDuration, long queueBudget, ILogger log)
    {
        (_path, _maxBytes, _maxDuration, _queueBudget, _log) = (path, maxBytes, maxDuration, queueBudget, log);
        _writing = Task.Run(WriteAllAsync);
    }

    /// <summary>Frames written.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Payload bytes written.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Frames left out of the recording (the disk did not keep up, or a write failed).</summary>
    public long Dropped => Interlocked.Read(ref _droppedCount);

    /// <summary>Why frames were left out (the last write error), or null.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>The files written so far, in order (rotation starts a new one).</summary>
    public IReadOnlyList<string> Files
    {
        get
        {
            lock (_lock)
            {
                return [.. _files];
            }
        }
    }

    /// <summary>The frames left out, per stream, as ranges of sequence numbers: "stream 0: 120-130, 200".</summary>
    public IReadOnlyList<string> DroppedSequences
    {
        get
        {
            lock (_lock)
            {
                return [.. _dropped.Select(pair => $"stream {pair.Key}: {string.Join(", ", pair.Value.Select(r => r.First == r.Last ? $"{r.First}" : $"{r.First}-{r.Last}"))}")];
            }
        }
    }

    /// <summary>Creates the first file at once, so that a path that cannot be written is a usage error before anything runs.</summary>
    /// <exception cref="IOException">The file exists or cannot be made.</exception>
    public static RecordingSink Start(string path, long maxBytes = 0, TimeSpan maxDuration = default, ILogger? log = null, long queueBudget = 512L << 20)
    {
        var sink = new RecordingSink(path, maxBytes, maxDuration, queueBudget, log ?? NullLogger.Instance);
        try
        {
            sink.OpenNext();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            sink._queue.Writer.Complete();
            throw new IOException($"{path}: {(e is IOException { HResult: 17 or -2147024816 } || File.Exists(path) ? "the file exists (recordings are never overwritten)" : e.Message)}", e);
        }

        return sink;
    }

    /// <summary>Copies the frame into the queue, or counts it as left out when the queue is full; never waits.</summary>
    public void OnFrame(in SinkFrame frame)
    {
        int size = frame.Payload.Length + frame.Metadata.Length;
        if (Interlocked.Add(ref _queuedBytes, size) > _queueBudget)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            Drop(frame.Info);
            return;
        }

        byte[] payload = ArrayPool<byte>.Shared.Rent(Math.Max(1, frame.Payload.Length));
        frame.Payload.Span.CopyTo(payload);
        byte[] metadata = frame.Metadata.IsEmpty ? [] : frame.Metadata.ToArray();
        _queue.Writer.TryWrite(new Job(frame.Info, metadata, payload, frame.Payload.Length));
    }

    /// <summary>A consumer's RESULT for a frame (e.g. a model's detections): recorded after the frames already queued.</summary>
    public void OnResult(FrameResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _queue.Writer.TryWrite(new Job(default, [], [], 0) { Result = result });
    }

    /// <summary>Results recorded.</summary>
    public long Results => Interlocked.Read(ref _results);

    /// <summary>Writes what is queued, then closes the file (flushed to the disk).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writing.ConfigureAwait(false);
        _writer?.Dispose();
        _writer = null; // disposing twice is harmless
    }

    private async Task WriteAllAsync()
    {
        await foreach (Job job in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (job.Result is { } result)
            {
                WriteResult(result);
                continue;
            }

            try
            {
                Write(job);
            }
            finally
            {
                Interlocked.Add(ref _queuedBytes, -(job.Length + job.Metadata.Length));
                ArrayPool<byte>.Shared.Return(job.Payload);
            }
        }
    }

    private void Write(Job job)
    {
        try
        {
            long message = ProtocolMessages.FrameLength(job.Metadata.Length, job.Length);
            if (_writer is null || _writer.Frames > 0 && (_maxBytes > 0 && _writer.Length + message > _maxBytes
                || _maxDuration > TimeSpan.Zero && DateTime.UtcNow - _fileStarted >= _maxDuration))
            {
                _writer?.Dispose();
                _writer = null;
                OpenNext();
            }

            _writer!.WriteFrame(job.Header, job.Metadata, job.Payload.AsSpan(0, job.Length));
            Interlocked.Increment(ref _frames);
            Interlocked.Add(ref _bytes, job.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Interlocked.Exchange(ref _failure, e.Message) is null)
            {
                ClientLog.RecordingLeavesOut(_log, e.Message);
            }

            Drop(job.Header);
        }
    }

    private void WriteResult(RawFrames.Client.FrameResult result)
    {
        try
        {
            _writer?.WriteResult(result);
            Interlocked.Increment(ref _results);
        }
        catch (IOException e)
        {
            Interlocked.Exchange(ref _failure, e.Message);
        }
    }

    private void OpenNext()
    {
        string path;
        lock (_lock)
        {
            path = _files.Count == 0 ? _path
                : Path.Combine(Path.GetDirectoryName(_path) ?? "", $"{Path.GetFileNameWithoutExtension(_path)}-{_files.Count + 1}{Path.GetExtension(_path)}");
        }

        _writer = RecordingWriter.Create(path, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        _fileStarted = DateTime.UtcNow;
        lock (_lock)
        {
            _files.Add(path);
        }
    }

    private void Drop(in FrameInfo header)
    {
        Interlocked.Increment(ref _droppedCount);
        lock (_lock)
        {
            if (!_dropped.TryGetValue(header.StreamId, out List<(ulong First, ulong Last)>? ranges))
            {
                _dropped[header.StreamId] = ranges = [];
            }

            if (ranges.Count > 0 && ranges[^1].Last + 1 == header.Sequence)
            {
                ranges[^1] = (ranges[^1].First, header.Sequence);
            }
            else
            {
                ranges.Add((header.Sequence, header.Sequence));
            }
        }
    }

    private sealed record Job(FrameInfo Header, byte[] Metadata, byte[] Payload, int Length)
    {
        /// <summary>Set for a RESULT instead of a frame.</summary>
        public FrameResult? Result { get; init; }
    }
}
