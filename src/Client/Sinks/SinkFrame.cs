namespace RawFrames.Client;

/// <summary>
/// A received frame as the sinks see it, valid during the call only (it views the connection's receive buffer).
/// <see cref="Info"/> carries the stream id the frame is known by here, so sinks keep producers apart.
/// </summary>
/// <param name="Connection">Numbers the receiver's connections.</param>
/// <param name="Remote">The sender's address.</param>
/// <param name="Info">What the frame says about itself.</param>
/// <param name="Payload">The payload, valid during the call.</param>
/// <param name="Metadata">The metadata, valid during the call.</param>
/// <param name="MeasureLatency">The sender shares this clock (or the user said clocks are synchronized).</param>
/// <param name="DecodesTo">The format the decode stage makes of this frame, or null when it is not decoded.</param>
public readonly record struct SinkFrame(long Connection, string Remote, FrameInfo Info, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Metadata,
    bool MeasureLatency, DecodeTarget? DecodesTo)
{
    /// <summary>The sender replays frames captured earlier (PROTOCOL.md §18): their timestamps are the recording's, not now.</summary>
    public bool Replay { get; init; }
}
