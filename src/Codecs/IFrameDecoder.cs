using RawFrames.Protocol.Wire;

namespace RawFrames.Codecs;

/// <summary>What a receiver decodes payloads to.</summary>
internal enum DecodeTarget
{
    /// <summary>Tightly packed BGR24.</summary>
    Bgr,
    /// <summary>J420 planes, stride = width (JPEG codecs with 4:2:0 only).</summary>
    Yuv,
    /// <summary>A model input as a <see cref="TensorSpec"/> says (raw frames too): made by a TensorPreprocessor, not by a codec's decoder.</summary>
    Tensor,
}

/// <summary>Decodes one codec's payloads. Throws <see cref="CorruptFrameException"/> for a bad payload. One instance per worker.</summary>
internal interface IFrameDecoder : IDisposable
{
    Codec Codec { get; }

    /// <summary>Bytes of output for one frame of this geometry.</summary>
    int OutputSize(int width, int height);

    void Decode(ReadOnlySpan<byte> payload, int width, int height, Span<byte> output);
}
