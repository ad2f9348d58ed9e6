using RawFrames.Client;

namespace RawFrames.Codecs;

/// <summary>Decodes one codec's payloads. Throws <see cref="CorruptFrameException"/> for a bad payload. One instance per worker.</summary>
public interface IFrameDecoder : IDisposable
{
    /// <summary>The codec whose payloads this decodes.</summary>
    Codec Codec { get; }

    /// <summary>Bytes of output for one frame of this geometry.</summary>
    int OutputSize(int width, int height);

    /// <summary>Decodes one payload of <paramref name="width"/> x <paramref name="height"/> into <paramref name="output"/> (at least <see cref="OutputSize"/> bytes).</summary>
    /// <exception cref="CorruptFrameException">The payload does not decode to that geometry.</exception>
    void Decode(ReadOnlySpan<byte> payload, int width, int height, Span<byte> output);
}
