namespace RawFrames.Client;

/// <summary>A RESULT the receiver sent back for a frame (PROTOCOL.md §10.2): e.g. an AI model's detections as JSON.</summary>
/// <param name="Data">The application's bytes, owned by this record.</param>
public sealed record FrameResult(uint StreamId, ulong Sequence, bool IsJson, byte[] Data)
{
    /// <summary>The data as text (UTF-8), e.g. JSON.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Data);
}
