namespace RawFrames.Client;

/// <summary>PROTOCOL.md §7: how the pixels of a frame are laid out in memory.</summary>
public enum PixelFormat : byte
{
    /// <summary>Never valid on the wire.</summary>
    Unspecified = 0,
    /// <summary>3 bytes per pixel in the order B, G, R (OpenCV's default).</summary>
    Bgr24 = 1,
    /// <summary>3 bytes per pixel in the order R, G, B.</summary>
    Rgb24 = 2,
    /// <summary>4 bytes per pixel in the order B, G, R, A.</summary>
    Bgra32 = 3,
    /// <summary>1 byte per pixel, luma only.</summary>
    Gray8 = 4,
    /// <summary>Planar Y, U, V 4:2:0, BT.601 limited range (Y 16-235).</summary>
    I420 = 5,
    /// <summary>Planar Y, U, V 4:2:0, full range (Y 0-255), as JPEG uses.</summary>
    J420 = 6,
    /// <summary>A Y plane followed by one interleaved U,V plane at half resolution.</summary>
    Nv12 = 7,
    /// <summary>A model input: float32 planes R, then G, then B (CHW), each row <c>stride</c> bytes apart.</summary>
    RgbF32Planar = 8,
    /// <summary>A model input: float32 planes B, then G, then R (CHW).</summary>
    BgrF32Planar = 9,
    /// <summary>A model input: uint8 planes R, then G, then B (CHW).</summary>
    RgbU8Planar = 10,
    /// <summary>A model input: uint8 planes B, then G, then R (CHW).</summary>
    BgrU8Planar = 11,
    /// <summary>A model input: float32 R, G, B per pixel (HWC), 12 bytes per pixel.</summary>
    RgbF32 = 12,
    /// <summary>A model input: float32 B, G, R per pixel (HWC).</summary>
    BgrF32 = 13,
}
