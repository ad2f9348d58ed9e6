using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming.Pipeline;
using RawFrames.Streaming.Sources;

namespace RawFrames.Receiver;

/// <summary>
/// connection → N decoders → frames in sequence order. Payloads are copied out of the receive buffer once (they are
/// only valid until the next read); each worker owns its decoders and, with --verify, compares its frame with the
/// regenerated synthetic frame by PSNR, so the comparison runs in parallel too. A corrupt payload is reported on
/// its job and the stream goes on.
/// </summary>
internal sealed class DecodingPipeline : IAsyncDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentBag<IFrameDecoder> _decoders = [];

    public DecodingPipeline(DecodeTarget target, int threads, bool fastJpeg, bool verify)
    {
        Workers = new OrderedWorkers<DecodeJob>(threads, depth: 2, _ =>
        {
            var decoders = new Dictionary<Codec, IFrameDecoder>();
            byte[] expected = [];
            return job =>
            {
                FrameHeader header = job.Header;
                job.Error = null;
                job.Psnr = double.NaN;
                int size;
                try
                {
                    if (!decoders.TryGetValue(header.Codec, out IFrameDecoder? decoder))
                    {
                        decoders[header.Codec] = decoder = FrameCodecs.CreateDecoder(header.Codec, target, fastJpeg);
                        _decoders.Add(decoder);
                    }

                    size = decoder.OutputSize(header.Width, header.Height);
                    job.EnsureOutput(size);
                    decoder.Decode(job.Input.AsSpan(0, job.InputLength), header.Width, header.Height, job.Output.AsSpan(0, size));
                }
                catch (Exception e) when (e is CorruptFrameException or CodecUnavailableException)
                {
                    job.Error = e.Message;
                    return;
                }

                if (verify)
                {
                    job.Psnr = CompareWithSynthetic(header, target, job.Output.AsSpan(0, size), ref expected);
                }
            };
        }, () => new DecodeJob());
    }

    /// <summary>Rent a job, copy a payload in, submit it; receive decoded frames in sequence order and return them.</summary>
    public OrderedWorkers<DecodeJob> Workers { get; }

    public async ValueTask DisposeAsync()
    {
        await Workers.DisposeAsync();
        foreach (IFrameDecoder decoder in _decoders)
        {
            decoder.Dispose();
        }
    }

    // Luma PSNR (the Y plane, the usual video-coding measure) against the sender's synthetic frame for this sequence
    // number, tightly packed as the encoders are fed. Luma, because the synthetic pattern puts full-resolution colour
    // edges in every 2x2 block, which any 4:2:0 codec must blur: a BGR comparison would measure the pattern, not the codec.
    private static double CompareWithSynthetic(FrameHeader header, DecodeTarget target, ReadOnlySpan<byte> decoded, ref byte[] scratch)
    {
        int width = header.Width;
        int height = header.Height;
        int planes = (int)PixelLayout.RawPayloadSize(PixelFormat.J420, width, height, width);
        if (scratch.Length < 2 * planes)
        {
            scratch = new byte[2 * planes];
        }

        Span<byte> expected = scratch.AsSpan(0, planes);
        ColorConversion.BgrToJ420(SyntheticPattern.For(width, height).Frame(header.Sequence).Span, width, height, width * 3, expected, width);
        ReadOnlySpan<byte> actual = decoded;
        if (target == DecodeTarget.Bgr)
        {
            Span<byte> converted = scratch.AsSpan(planes, planes);
            ColorConversion.BgrToJ420(decoded, width, height, width * 3, converted, width);
            actual = converted;
        }

        return ImageQuality.Psnr(expected, width, actual, width, width, height);
    }
}

/// <summary>One received frame on its way through a decoder. Buffers grow to the largest frame seen and are reused.</summary>
internal sealed class DecodeJob
{
    public FrameHeader Header { get; set; }

    /// <summary>Whether the capture-to-decoded latency of this frame is recorded (the peer shares our clock).</summary>
    public bool MeasureLatency { get; set; }

    public byte[] Input { get; private set; } = [];

    public int InputLength { get; private set; }

    public byte[] Output { get; private set; } = [];

    /// <summary>Bytes of <see cref="Output"/> the decoder filled.</summary>
    public int OutputLength { get; private set; }

    /// <summary>Why the payload could not be decoded; null when it was.</summary>
    public string? Error { get; set; }

    /// <summary>PSNR against the synthetic frame with --verify; NaN otherwise.</summary>
    public double Psnr { get; set; }

    public void CopyPayload(in System.Buffers.ReadOnlySequence<byte> payload)
    {
        if (Input.Length < payload.Length)
        {
            // Compressed frames vary in size: grow to the next power of two so a stream stops reallocating at once.
            Input = GC.AllocateUninitializedArray<byte>((int)Math.Min((ulong)Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)payload.Length)));
        }

        System.Buffers.BuffersExtensions.CopyTo(payload, Input);
        InputLength = (int)payload.Length;
    }

    public void EnsureOutput(int size)
    {
        if (Output.Length < size)
        {
            Output = GC.AllocateUninitializedArray<byte>(size);
        }

        OutputLength = size;
    }
}
