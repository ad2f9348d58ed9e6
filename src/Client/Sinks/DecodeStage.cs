using RawFrames.Codecs;

namespace RawFrames.Client.Sinks;

/// <summary>
/// A connection's frames → N decoders → frames in sequence order. Payloads are copied out of the receive buffer once
/// (they are only valid until the next read); decoders come from the pipeline's codec pool; with a check each worker
/// also measures its frame (<see cref="IPixelCheck"/>), so the measurement runs in parallel too. A corrupt
/// payload is reported on its job and the stream goes on. For model inputs each worker has its own preprocessor.
/// </summary>
internal sealed class DecodeStage : IAsyncDisposable
{
    private readonly List<IDisposable> _workerState = [];

    public DecodeStage(DecodeTarget target, int threads, CodecPool codecs, Func<IPixelCheck>? check, TensorSpec? tensor = null)
    {
        Target = target;
        Workers = new OrderedWorkers<DecodeJob>(threads, depth: 2, _ =>
        {
            IPixelCheck? measure = check?.Invoke();
            TensorPreprocessor? preprocessor = tensor is null ? null : new TensorPreprocessor(codecs);
            if (preprocessor is not null)
            {
                lock (_workerState)
                {
                    _workerState.Add(preprocessor);
                }
            }

            return job =>
            {
                if (preprocessor is not null)
                {
                    job.Convert(tensor!, preprocessor);
                }
                else
                {
                    job.Decode(target, codecs, measure);
                }
            };
        }, () => new DecodeJob());
    }

    public DecodeTarget Target { get; }

    /// <summary>Rent a job, copy a frame in, submit it; receive decoded frames in sequence order and return them.</summary>
    public OrderedWorkers<DecodeJob> Workers { get; }

    public async ValueTask DisposeAsync()
    {
        await Workers.DisposeAsync().ConfigureAwait(false);
        lock (_workerState)
        {
            _workerState.ForEach(state => state.Dispose());
        }
    }
}

/// <summary>One received frame on its way through a decoder. Buffers grow to the largest frame seen and are reused.</summary>
internal sealed class DecodeJob
{
    private byte[] _input = [];
    private byte[] _output = [];
    private int _inputLength;
    private int _outputLength;
    private string? _error;
    private double _measured;
    private Letterbox? _letterbox;
    private TensorSpec? _tensor;

    /// <summary>The frame, its payload in this job's own copy.</summary>
    public SinkFrame Frame { get; private set; }

    public DecodedPixels Pixels(DecodeTarget target) => new(target, _output.AsMemory(0, _outputLength), _error, _measured, _tensor, _letterbox);

    public void CopyIn(in SinkFrame frame)
    {
        ReadOnlySpan<byte> payload = frame.Payload.Span;
        if (_input.Length < payload.Length)
        {
            // Compressed frames vary in size: grow to the next power of two so a stream stops reallocating at once.
            _input = GC.AllocateUninitializedArray<byte>((int)Math.Min((ulong)Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)payload.Length)));
        }

        payload.CopyTo(_input);
        _inputLength = payload.Length;
        Frame = frame with { Payload = _input.AsMemory(0, _inputLength), Metadata = default };
    }

    /// <summary>Makes the model input <paramref name="spec"/> describes of the frame (raw or compressed).</summary>
    public void Convert(TensorSpec spec, TensorPreprocessor preprocessor)
    {
        (_error, _measured, _outputLength, _tensor, _letterbox) = (null, double.NaN, 0, spec, null);
        if (_output.Length < spec.ByteCount)
        {
            _output = GC.AllocateUninitializedArray<byte>(spec.ByteCount);
        }

        try
        {
            FrameInfo info = Frame.Info;
            _letterbox = preprocessor.Convert(info.Codec, info.PixelFormat, info.Width, info.Height, info.Stride, _input.AsSpan(0, _inputLength), spec, _output);
            _outputLength = spec.ByteCount;
        }
        catch (Exception e) when (e is CorruptFrameException or NotSupportedException)
        {
            _error = e.Message;
        }
    }

    public void Decode(DecodeTarget target, CodecPool codecs, IPixelCheck? check)
    {
        FrameInfo header = Frame.Info;
        (_error, _measured, _outputLength) = (null, double.NaN, 0);
        try
        {
            using CodecPool.Lease<IFrameDecoder> decoder = codecs.RentDecoder(header.Codec, target);
            int size = decoder.Codec.OutputSize(header.Width, header.Height);
            if (_output.Length < size)
            {
                _output = GC.AllocateUninitializedArray<byte>(size);
            }

            decoder.Codec.Decode(_input.AsSpan(0, _inputLength), header.Width, header.Height, _output.AsSpan(0, size));
            _outputLength = size;
        }
        catch (Exception e) when (e is CorruptFrameException or CodecUnavailableException)
        {
            _error = e.Message;
            return;
        }

        _measured = check?.Measure(header, target, _output.AsSpan(0, _outputLength)) ?? double.NaN;
    }
}
