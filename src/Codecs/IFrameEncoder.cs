using RawFrames.Client;

namespace RawFrames.Codecs;

/// <summary>A compressing codec, BGR24 in, payload out. Not thread-safe: one instance per worker.</summary>
public interface IFrameEncoder : IDisposable
{
    /// <summary>The codec this encoder writes.</summary>
    Codec Codec { get; }

    /// <summary>The pixel format the FRAME header states for this codec's payloads (PROTOCOL.md §7).</summary>
    PixelFormat PayloadPixelFormat { get; }

    /// <summary>A destination buffer of this size always suffices.</summary>
    int MaxEncodedSize(int width, int height);

    /// <summary>Encodes BGR24 rows of <paramref name="stride"/> bytes; returns the payload's length in <paramref name="destination"/>.</summary>
    int Encode(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination);
}
