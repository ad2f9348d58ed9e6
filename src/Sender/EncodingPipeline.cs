using System.Threading.Channels;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming.Pipeline;

namespace RawFrames.Sender;

/// <summary>
/// source → N encoders → frames in sequence order. Each worker owns an encoder (codec handles are not thread-safe);
/// jobs and their output buffers are allocated once and recycled, so steady state allocates nothing.
/// </summary>
internal sealed class EncodingPipeline : IAsyncDisposable
{
    private readonly OrderedWorkers<EncodeJob> _workers;
    private readonly Channel<EncodeJob> _free;
    private readonly List<IFrameEncoder> _encoders = [];

    public EncodingPipeline(Codec codec, EncoderSettings settings, int threads, int width, int height)
    {
        // Created here, on the caller's thread, so that a missing library or a bad setting fails before anything runs.
        for (int i = 0; i < threads; i++)
        {
            _encoders.Add(FrameCodecs.CreateEncoder(codec, settings));
        }

        PayloadPixelFormat = _encoders[0].PayloadPixelFormat;
        const int Depth = 2;
        int jobs = (threads * Depth * 2) + 1;
        _free = Channel.CreateBounded<EncodeJob>(new BoundedChannelOptions(jobs) { SingleReader = true, SingleWriter = true });
        int bufferSize = _encoders[0].MaxEncodedSize(width, height);
        for (int i = 0; i < jobs; i++)
        {
            _free.Writer.TryWrite(new EncodeJob(new byte[bufferSize]));
        }

        _workers = new OrderedWorkers<EncodeJob>(threads, Depth, worker =>
        {
            IFrameEncoder encoder = _encoders[worker];
            return job => job.Length = encoder.Encode(job.Source.Span, job.Width, job.Height, job.Stride, job.Output);
        });
    }

    public PixelFormat PayloadPixelFormat { get; }

    /// <summary>A recycled job to fill; waits while every job is in flight (backpressure from the link).</summary>
    public ValueTask<EncodeJob> RentAsync(CancellationToken cancellationToken) => _free.Reader.ReadAsync(cancellationToken);

    public ValueTask SubmitAsync(EncodeJob job, CancellationToken cancellationToken) => _workers.SubmitAsync(job, cancellationToken);

    /// <summary>The next encoded frame in sequence order; throws <see cref="ChannelClosedException"/> after <see cref="Complete"/> drains.</summary>
    public ValueTask<EncodeJob> ReceiveAsync(CancellationToken cancellationToken) => _workers.ReceiveAsync(cancellationToken);

    public void Return(EncodeJob job) => _free.Writer.TryWrite(job);

    public void Complete() => _workers.Complete();

    public async ValueTask DisposeAsync()
    {
        await _workers.DisposeAsync();
        foreach (IFrameEncoder encoder in _encoders)
        {
            encoder.Dispose();
        }
    }
}

/// <summary>One frame on its way through an encoder: the source pixels in, the payload out.</summary>
internal sealed class EncodeJob(byte[] output)
{
    public byte[] Output { get; } = output;

    public ReadOnlyMemory<byte> Source { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public int Stride { get; set; }

    public ulong Sequence { get; set; }

    public long TimestampNs { get; set; }

    public int Length { get; set; }
}
