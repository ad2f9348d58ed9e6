namespace RawFrames.Protocol.Wire;

/// <summary>
/// PROTOCOL.md §5: optional features. A feature is used only when both HELLOs set its bit; unknown bits are ignored so
/// that later features need no version bump.
/// </summary>
[Flags]
internal enum Capabilities : uint
{
    None = 0,
    /// <summary>The consumer acknowledges each frame with ACK.</summary>
    Ack = 1 << 0,
    /// <summary>The consumer returns RESULT messages (e.g. detections) for frames.</summary>
    Result = 1 << 1,
    /// <summary>Frames may travel through a shared-memory ring (PROTOCOL.md §15); Unix sockets only.</summary>
    SharedMemory = 1 << 2,
    /// <summary>Model inputs (PROTOCOL.md §7.2): pixel formats 8-13 and the batch flag; the producer may send them, the consumer can read them.</summary>
    ModelInputs = 1 << 3,
}
