using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Sender;

/// <summary>
/// source → N encoders → frames in sequence order. Each worker owns an encoder (codec handles are not thread-safe);
/// jobs and their output buffers are allocated once and recycled, so steady state allocates nothing.
/// </summary>
internal sealed class EncodingPipeline : IAsyncDisposable
{
    private const int Depth = 2;

    private readonly List<IFrameEncoder> _encoders = [];

    public EncodingPipeline(Codec codec, EncoderSettings settings, int threads, int width, int height)
    {
        // Created here, on the caller's thread, so that a missing library or a bad setting fails before anything runs.
        for (int i = 0; i < threads; i++)
        {
            _encoders.Add(FrameCodecs.CreateEncoder(codec, settings));
        }

        PayloadPixelFormat = _encoders[0].PayloadPixelFormat;
        int bufferSize = _encoders[0].MaxEncodedSize(width, height);
        Workers = new OrderedWorkers<EncodeJob>(threads, Depth,
            worker =>
            {
                IFrameEncoder encoder = _encoders[worker];
                // J420 from an ffmpeg source goes straight to the JPEG coder, without a round trip through BGR.
                return job => job.Length = job.PixelFormat == PixelFormat.J420
                    ? ((YuvJpegEncoder)encoder).EncodeJ420(job.Source.Span, job.Width, job.Height, job.Stride, job.Output)
                    : encoder.Encode(job.Source.Span, job.Width, job.Height, job.Stride, job.Output);
            },
            () => new EncodeJob(new byte[bufferSize]));
    }

    public PixelFormat PayloadPixelFormat { get; }

    /// <summary>The most source frames the pipeline holds at once with <paramref name="threads"/> encoders.</summary>
    public static int FramesInFlight(int threads) => OrderedWorkers.PoolSize(threads, Depth);

    /// <summary>The source pixel formats <paramref name="codec"/> can encode: BGR24, and J420 planes for YUV-JPEG.</summary>
    public static bool CanEncode(Codec codec, PixelFormat source) =>
        source == PixelFormat.Bgr24 || (codec == Codec.YuvJpeg && source == PixelFormat.J420);

    /// <summary>Rent a job, fill it, submit it; receive encoded frames in sequence order and return them.</summary>
    public OrderedWorkers<EncodeJob> Workers { get; }

    public async ValueTask DisposeAsync()
    {
        await Workers.DisposeAsync();
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

    public PixelFormat PixelFormat { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public int Stride { get; set; }

    public ulong Sequence { get; set; }

    public long TimestampNs { get; set; }

    public int Length { get; set; }
}
