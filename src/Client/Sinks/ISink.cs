namespace RawFrames.Client;

/// <summary>What a <see cref="SinkPipeline"/> takes: one or more of <see cref="IFrameSink"/>, <see cref="IDecodedSink"/> and <see cref="IStreamsEndedSink"/>.</summary>
public interface ISink;

/// <summary>A stage that sees every frame as it arrives, on its connection's loop, and must not keep the payload.</summary>
public interface IFrameSink : ISink
{
    /// <summary>A frame as it arrives; its memory is valid during the call only.</summary>
    void OnFrame(in SinkFrame frame);
}

/// <summary>A stage that sees decoded frames, in sequence order per connection, off the connection's loop; each frame is decoded once for all of them.</summary>
public interface IDecodedSink : ISink
{
    /// <summary>A frame and its decoded pixels, both valid during the call only.</summary>
    void OnDecoded(in SinkFrame frame, in DecodedPixels pixels);
}

/// <summary>A sink that is told when a connection's streams end (e.g. a view marks them no longer live).</summary>
public interface IStreamsEndedSink : ISink
{
    /// <summary>These streams ended with their connection.</summary>
    void OnStreamsEnded(IReadOnlyCollection<uint> streamIds);
}

/// <summary>
/// A measurement the decode stage makes of every decoded frame on the decoder's own thread, so it runs in parallel
/// too (the programs compare with the synthetic pattern). One instance per decoder thread: it may keep scratch buffers.
/// </summary>
public interface IPixelCheck
{
    /// <summary>The measure of <paramref name="pixels"/>, decoded to <paramref name="target"/> from the frame <paramref name="frame"/> describes.</summary>
    double Measure(in FrameInfo frame, DecodeTarget target, ReadOnlySpan<byte> pixels);
}
