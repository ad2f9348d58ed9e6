using RawFrames.Client;

namespace RawFrames.Programs.Sources;

/// <summary>
/// Where a sender's frames come from: a generator, a still image, a folder, an ffmpeg child or standard input.
/// Frames are read in increasing sequence order; a source read from a stream skips the frames in between, so the
/// latest policy really drops what it skips instead of sending it late.
/// </summary>
public interface IFrameSource : IDisposable
{
    int Width { get; }

    int Height { get; }

    /// <summary>Bytes from one row to the next (of the Y plane, for planar formats) in the frames read.</summary>
    int Stride { get; }

    /// <summary><see cref="PixelFormat.Bgr24"/>, or a 4:2:0 planar format read from a pipe.</summary>
    PixelFormat PixelFormat { get; }

    /// <summary>The rate the source itself runs at (a video file's), or 0 when it has none.</summary>
    double NativeFps { get; }

    /// <summary>
    /// Frame <paramref name="sequence"/> (never lower than the last one read), or null once the source has no more.
    /// The memory stays valid until as many more frames as the source was opened for have been read, so that many
    /// frames can be in flight (being encoded or sent) at once.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>?> ReadAsync(ulong sequence, CancellationToken cancellationToken);
}

/// <summary>A source whose frame N can be had at any time without reading the others: views that stay valid forever.</summary>
public interface IIndexedFrameSource : IFrameSource
{
    /// <summary>Frame <paramref name="sequence"/>: <c>Stride * Height</c> read-only bytes, safe to read from several threads.</summary>
    ReadOnlyMemory<byte> Frame(ulong sequence);
}
