namespace RawFrames.Client;

/// <summary>The type of a tensor's values.</summary>
public enum TensorElement
{
    /// <summary>IEEE 754 single precision, little-endian: the pixel value / 255, then (x - mean) / std when those are given.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "numpy's and ONNX's name for the element type.")]
    Float32,

    /// <summary>The pixel value as it is, 0 to 255.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "numpy's and ONNX's name for the element type.")]
    UInt8,
}
