using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Streaming.Sinks;

/// <summary>
/// The receiving side as two stages of sinks. Every frame goes to the encoded sinks, in order, on its connection's
/// loop. Compressed frames go on, when a format is asked for (<c>decodeTo</c>), through one decode stage per
/// connection to the decoded sinks: a frame is decoded once, whatever number of sinks use its pixels.
/// </summary>
public sealed class SinkPipeline
{
    private readonly IFrameSink[] _encoded;
    private readonly IDecodedSink[] _decoded;
    private readonly IStreamsEndedSink[] _streamsEnded;
    private readonly DecodeTarget? _decodeTo;
    private readonly int _decoderThreads;
    private readonly bool _measurePsnr;
    private readonly TensorSpec? _tensor;

    /// <param name="sinks">Each sees what its interfaces say: frames as they arrive, decoded frames, streams ending.</param>
    /// <param name="decodeTo">The format compressed frames are decoded to; null: none is. <see cref="DecodeTarget.Tensor"/> (with <paramref name="tensor"/>) takes raw frames too.</param>
    /// <param name="measurePsnr">Measure each decoded frame against the synthetic pattern (on the decoder's thread).</param>
    /// <param name="tensor">The model input every frame becomes, with <see cref="DecodeTarget.Tensor"/>.</param>
    public SinkPipeline(IEnumerable<ISink> sinks, DecodeTarget? decodeTo, int decoderThreads, CodecPool codecs, bool measurePsnr, TensorSpec? tensor = null)
    {
        if ((decodeTo == DecodeTarget.Tensor) != (tensor is not null))
        {
            throw new ArgumentException("a tensor spec goes with DecodeTarget.Tensor, and only with it", nameof(tensor));
        }

        _tensor = tensor;
        ISink[] all = [.. sinks];
        _encoded = [.. all.OfType<IFrameSink>()];
        _decoded = [.. all.OfType<IDecodedSink>()];
        _streamsEnded = [.. all.OfType<IStreamsEndedSink>()];
        _decodeTo = decodeTo;
        _decoderThreads = decoderThreads;
        _measurePsnr = measurePsnr;
        Codecs = codecs;
    }

    public CodecPool Codecs { get; }

    /// <summary>The format the decode stage makes of a frame with this header; null when it is not decoded.</summary>
    public DecodeTarget? DecodesTo(in FrameInfo header) => header.Codec == Codec.Raw && _decodeTo != DecodeTarget.Tensor ? null : _decodeTo;

    /// <summary>The stages for one connection: frames in, on that connection's loop.</summary>
    public ConnectionSinks ForConnection() => new(this);

    public void OnStreamsEnded(IReadOnlyCollection<uint> streamIds)
    {
        foreach (IStreamsEndedSink sink in _streamsEnded)
        {
            sink.OnStreamsEnded(streamIds);
        }
    }

    internal void ToEncoded(in SinkFrame frame)
    {
        foreach (IFrameSink sink in _encoded)
        {
            sink.OnFrame(frame);
        }
    }

    internal void ToDecoded(in SinkFrame frame, in DecodedPixels pixels)
    {
        foreach (IDecodedSink sink in _decoded)
        {
            sink.OnDecoded(frame, pixels);
        }
    }

    internal DecodeStage NewDecodeStage(DecodeTarget target) => new(target, _decoderThreads, Codecs, _measurePsnr, _tensor);
}
