using RawFrames.Client.Sinks;
using RawFrames.Codecs;

namespace RawFrames.Client;

/// <summary>
/// The receiving side as two stages of sinks. Every frame goes to the <see cref="IFrameSink"/>s, in order, on its
/// connection's loop. Compressed frames go on, when a format is asked for (<see cref="SinkPipelineOptions.DecodeTo"/>),
/// through one decode stage per connection to the <see cref="IDecodedSink"/>s: a frame is decoded once, whatever
/// number of sinks use its pixels, on several threads and in sequence order. Feed one connection's frames through
/// <see cref="ForConnection"/>.
/// </summary>
public sealed class SinkPipeline : IDisposable
{
    private readonly IFrameSink[] _encoded;
    private readonly IDecodedSink[] _decoded;
    private readonly IStreamsEndedSink[] _streamsEnded;
    private readonly SinkPipelineOptions _options;
    private readonly CodecPool _codecs = new();

    /// <param name="sinks">Each sees what its interfaces say: frames as they arrive, decoded frames, streams ending.</param>
    /// <param name="options">What the decode stage makes; by default nothing is decoded.</param>
    /// <exception cref="ArgumentException">A tensor spec without <see cref="DecodeTarget.Tensor"/>, or the other way round.</exception>
    public SinkPipeline(IEnumerable<ISink> sinks, SinkPipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _options = options ?? new SinkPipelineOptions();
        if ((_options.DecodeTo == DecodeTarget.Tensor) != (_options.Tensor is not null))
        {
            throw new ArgumentException("a tensor spec goes with DecodeTarget.Tensor, and only with it", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(_options.DecoderThreads, 1, nameof(options));
        ISink[] all = [.. sinks];
        _encoded = [.. all.OfType<IFrameSink>()];
        _decoded = [.. all.OfType<IDecodedSink>()];
        _streamsEnded = [.. all.OfType<IStreamsEndedSink>()];
    }

    /// <summary>The format the decode stage makes of a frame that says <paramref name="header"/>; null when it is not decoded.</summary>
    public DecodeTarget? DecodesTo(in FrameInfo header) => header.Codec == Codec.Raw && _options.DecodeTo != DecodeTarget.Tensor ? null : _options.DecodeTo;

    /// <summary>The stages for one connection: its frames in, on that connection's loop.</summary>
    public ConnectionSinks ForConnection() => new(this);

    /// <summary>Tells the <see cref="IStreamsEndedSink"/>s that these streams ended.</summary>
    public void OnStreamsEnded(IReadOnlyCollection<uint> streamIds)
    {
        foreach (IStreamsEndedSink sink in _streamsEnded)
        {
            sink.OnStreamsEnded(streamIds);
        }
    }

    /// <summary>Releases the decoders (after every connection's stages are disposed).</summary>
    public void Dispose() => _codecs.Dispose();

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

    internal DecodeStage NewDecodeStage(DecodeTarget target) => new(target, _options.DecoderThreads, _codecs, _options.Check, _options.Tensor);
}
