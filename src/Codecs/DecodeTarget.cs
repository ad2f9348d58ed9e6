namespace RawFrames.Client;

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
