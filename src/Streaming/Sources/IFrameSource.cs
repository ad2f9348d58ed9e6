namespace RawFrames.Streaming.Sources;

/// <summary>Where a sender's BGR24 frames come from. Frames are read-only views, safe to read from several threads.</summary>
public interface IFrameSource
{
    int Width { get; }

    int Height { get; }

    /// <summary>Bytes from one row to the next in the views <see cref="Frame"/> returns.</summary>
    int Stride { get; }

    /// <summary>Frame <paramref name="sequence"/>: <c>Stride * Height</c> bytes.</summary>
    ReadOnlyMemory<byte> Frame(ulong sequence);
}
