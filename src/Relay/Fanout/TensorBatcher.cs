using System.Buffers;
using System.Globalization;
using System.Text.Json;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Programs.Sinks;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// rawframes-relay --model: each stream's model inputs (made by the decode stage) gathered N at a time into one raw
/// frame with the batch flag (PROTOCOL.md §7.2) and §17's JSON metadata, published to the subscribers. A batch goes
/// when it is full, when its first image has waited <c>maxWait</c> (a slow stream's frames do not wait for a full batch),
/// or with what it has when its stream ends. A frame that cannot be made is counted and left out.
/// </summary>
/// <param name="maxWait">Zero: a batch goes only when full (or its stream ends).</param>
internal sealed class TensorBatcher(TensorSpec spec, int batchSize, FrameServer server, TimeSpan maxWait = default) : IDecodedSink, IStreamsEndedSink, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, Batch> _batches = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _flushing;
    private long _published;
    private long _images;
    private long _failed;

    public long Published => Interlocked.Read(ref _published);

    public long Images => Interlocked.Read(ref _images);

    /// <summary>Frames that could not be made into model inputs (corrupt payloads, pixel formats without a conversion).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public void OnDecoded(in SinkFrame frame, in DecodedPixels pixels)
    {
        if (pixels.Error is not null || pixels.Letterbox is not { } letterbox)
        {
            Interlocked.Increment(ref _failed);
            return;
        }

        uint stream = frame.Info.StreamId;
        lock (_lock)
        {
            _flushing ??= maxWait > TimeSpan.Zero && batchSize > 1 ? FlushLateAsync() : Task.CompletedTask;
            if (!_batches.TryGetValue(stream, out Batch? batch))
            {
                _batches[stream] = batch = new Batch();
            }

            batch.Add(spec, batchSize, frame.Info, letterbox, pixels.Pixels.Span);
            if (batch.Items.Count == batchSize)
            {
                Publish(stream, batch);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await (_flushing ?? Task.CompletedTask).ConfigureAwait(false);
        _stop.Dispose();
    }

    // A timer a tenth of the wait (at least 1 ms) publishes each partial batch whose first image has waited long enough.
    private async Task FlushLateAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, maxWait.Ticks / 10)));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                lock (_lock)
                {
                    foreach ((uint stream, Batch batch) in _batches)
                    {
                        if (batch.Items.Count > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(batch.FirstAdded, now) >= maxWait)
                        {
                            Publish(stream, batch);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The relay is stopping; ended streams flush their own batches.
        }
    }

    /// <summary>The last, partial batch of each ended stream goes now; a stream id used again later starts counting at 0.</summary>
    public void OnStreamsEnded(IReadOnlyCollection<uint> streamIds)
    {
        lock (_lock)
        {
            foreach (uint stream in streamIds)
            {
                if (_batches.Remove(stream, out Batch? batch) && batch.Items.Count > 0)
                {
                    Publish(stream, batch);
                }
            }
        }
    }

    // Under _lock. The buffer goes to the server with the frame (no copy); the batch starts a new one.
    private void Publish(uint stream, Batch batch)
    {
        int images = batch.Items.Count;
        FrameInfo info = FrameInfo.ForTensor(spec, stream, batch.NextSequence++, batch.Items[^1].Info.TimestampNs, isBatch: true);
        byte[] metadata = Metadata(batch.Items);
        Interlocked.Increment(ref _published);
        Interlocked.Add(ref _images, images);
        server.Publish(info, batch.TakeBuffer(), images * spec.ByteCount, metadata);
    }

    // PROTOCOL.md §17.
    private byte[] Metadata(List<(FrameInfo Info, Letterbox Box)> items)
    {
        var output = new ArrayBufferWriter<byte>(256 + (items.Count * 320));
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteStartObject("tensor");
            json.WriteString("fit", spec.Fit.FitName());
            json.WriteNumber("pad", spec.PadValue);
            WriteNumbers(json, "mean", spec.Mean);
            WriteNumbers(json, "std", spec.Std);
            json.WriteStartArray("items");
            foreach ((FrameInfo source, Letterbox box) in items)
            {
                json.WriteStartObject();
                json.WriteNumber("stream_id", source.StreamId);
                json.WriteNumber("sequence", source.Sequence);
                json.WriteString("sequence_text", source.Sequence.ToString(CultureInfo.InvariantCulture));
                json.WriteNumber("timestamp_ns", source.TimestampNs);
                json.WriteString("timestamp_ns_text", source.TimestampNs.ToString(CultureInfo.InvariantCulture));
                json.WriteNumber("scale_x", box.ScaleX);
                json.WriteNumber("scale_y", box.ScaleY);
                json.WriteNumber("offset_x", box.OffsetX);
                json.WriteNumber("offset_y", box.OffsetY);
                json.WriteNumber("source_width", box.SourceWidth);
                json.WriteNumber("source_height", box.SourceHeight);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static void WriteNumbers(Utf8JsonWriter json, string name, IReadOnlyList<float>? values)
    {
        if (values is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartArray(name);
        foreach (float value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    /// <summary>One stream's batch being filled: a pooled buffer of N images and where each came from.</summary>
    private sealed class Batch
    {
        private IMemoryOwner<byte>? _buffer;

        public List<(FrameInfo Info, Letterbox Box)> Items { get; } = [];

        public ulong NextSequence { get; set; }

        /// <summary>When the batch's first image came (Stopwatch ticks).</summary>
        public long FirstAdded { get; private set; }

        public void Add(TensorSpec spec, int capacity, FrameInfo info, Letterbox box, ReadOnlySpan<byte> tensor)
        {
            if (Items.Count == 0)
            {
                FirstAdded = System.Diagnostics.Stopwatch.GetTimestamp();
            }

            _buffer ??= MemoryPool<byte>.Shared.Rent(spec.ByteCount * capacity);
            tensor.CopyTo(_buffer.Memory.Span[(Items.Count * spec.ByteCount)..]);
            Items.Add((info, box));
        }

        public IMemoryOwner<byte> TakeBuffer()
        {
            IMemoryOwner<byte> buffer = _buffer!;
            _buffer = null;
            Items.Clear();
            return buffer;
        }
    }
}
