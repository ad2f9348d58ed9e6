using RawFrames.Client;

namespace RawFrames.Codecs;

/// <summary>What a receiver decodes payloads to.</summary>
public enum DecodeTarget
{
    /// <summary>Tightly packed BGR24.</summary>
    Bgr,
    /// <summary>J420 planes, stride = width (JPEG codecs with 4:2:0 only).</summary>
    Yuv,
    /// <summary>A model input as a <see cref="TensorSpec"/> says (raw frames too): made by a TensorPreprocessor, not by a codec's decoder.</summary>
    Tensor,
}

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
