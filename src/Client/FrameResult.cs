namespace RawFrames.Client;

/// <summary>
/// A RESULT for a frame (PROTOCOL.md §10.2), e.g. an AI model's detections as JSON: as a sender receives it from its
/// consumer, a relay passes it on, and a recording keeps it (<see cref="RecordingWriter.WriteResult"/>, <see cref="RecordingReader.Results"/>).
/// </summary>
/// <param name="Data">The application's bytes, owned by this record.</param>
public sealed record FrameResult(uint StreamId, ulong Sequence, bool IsJson, byte[] Data)
{
    /// <summary>The data as text (UTF-8), e.g. JSON.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Data);
}
