using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Streaming.Sinks;

/// <summary>
/// A received frame as the sinks see it, valid during the call only (it views the connection's receive buffer).
/// <see cref="Info"/> carries the stream id the frame is known by here (StreamIds), so sinks keep producers apart.
/// </summary>
/// <param name="Connection">Numbers the receiver's connections.</param>
/// <param name="MeasureLatency">The sender shares this clock (or the user said clocks are synchronized).</param>
/// <param name="DecodesTo">The format the decode stage makes of this frame, or null when it is not decoded.</param>
public readonly record struct SinkFrame(long Connection, string Remote, FrameInfo Info, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Metadata,
    bool MeasureLatency, DecodeTarget? DecodesTo);

/// <summary>A frame's pixels from the decode stage: the decoder's output, or why there is none.</summary>
/// <param name="Psnr">With verification: luma PSNR against the synthetic pattern; NaN otherwise.</param>
/// <param name="Tensor">For <see cref="DecodeTarget.Tensor"/>: what the pixels are.</param>
/// <param name="Letterbox">For <see cref="DecodeTarget.Tensor"/>: where the frame landed in them.</param>
public readonly record struct DecodedPixels(DecodeTarget Target, ReadOnlyMemory<byte> Pixels, string? Error, double Psnr,
    TensorSpec? Tensor = null, Letterbox? Letterbox = null)
{
    /// <summary>The header of the decoded pixels as a raw frame: packed BGR24, J420 planes with stride = width, or the model input (PROTOCOL.md §7.2).</summary>
    public FrameInfo AsRaw(in FrameInfo header) => Target switch
    {
        DecodeTarget.Bgr => header with { Codec = Codec.Raw, PixelFormat = PixelFormat.Bgr24, Stride = header.Width * 3 },
        DecodeTarget.Yuv => header with { Codec = Codec.Raw, PixelFormat = PixelFormat.J420, Stride = header.Width },
        _ => FrameInfo.ForTensor(Tensor!, header.StreamId, header.Sequence, header.TimestampNs, header.MetadataIsJson),
    };
}

/// <summary>What a <see cref="SinkPipeline"/> takes: one or more of <see cref="IFrameSink"/>, <see cref="IDecodedSink"/> and <see cref="IStreamsEndedSink"/>.</summary>
public interface ISink;

/// <summary>A stage that sees every frame as it arrives, on its connection's loop, and must not keep the payload.</summary>
public interface IFrameSink : ISink
{
    void OnFrame(in SinkFrame frame);
}

/// <summary>A stage that sees decoded frames, in sequence order per connection, off the connection's loop; each frame is decoded once for all of them.</summary>
public interface IDecodedSink : ISink
{
    void OnDecoded(in SinkFrame frame, in DecodedPixels pixels);
}

/// <summary>A sink that is told when a connection's streams end (e.g. a view marks them no longer live).</summary>
public interface IStreamsEndedSink : ISink
{
    void OnStreamsEnded(IReadOnlyCollection<uint> streamIds);
}
