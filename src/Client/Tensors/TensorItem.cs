namespace RawFrames.Client;

/// <summary>Which frame one image of a tensor batch came from, and where it landed (to map the model's boxes back).</summary>
/// <param name="StreamId">The frame's stream.</param>
/// <param name="Sequence">The frame's sequence number.</param>
/// <param name="TimestampNs">The frame's capture time, nanoseconds since the Unix epoch.</param>
/// <param name="Letterbox">Where the frame landed in the tensor.</param>
public readonly record struct TensorItem(uint StreamId, ulong Sequence, long TimestampNs, Letterbox Letterbox);
