using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §7.1: how many bytes a raw frame of a given geometry occupies.</summary>
public static class PixelLayout
{
    /// <summary>Bytes per pixel of a packed format; 0 for planar formats.</summary>
    public static int BytesPerPixel(PixelFormat format) => format switch
    {
        PixelFormat.Bgr24 or PixelFormat.Rgb24 => 3,
        PixelFormat.Bgra32 => 4,
        PixelFormat.Gray8 => 1,
        PixelFormat.RgbF32 or PixelFormat.BgrF32 => 12,
        _ => 0,
    };

    /// <summary>A pixel format PROTOCOL.md §7 defines.</summary>
    public static bool IsKnown(PixelFormat format) => format is >= PixelFormat.Bgr24 and <= PixelFormat.BgrF32;

    /// <summary>The model-input formats (PROTOCOL.md §7.2): three planes (CHW) of float32 or uint8, or float32 per pixel (HWC).</summary>
    public static bool IsTensor(PixelFormat format) => format >= PixelFormat.RgbF32Planar && format <= PixelFormat.BgrF32;

    /// <summary>True for the formats stored as three planes of <c>stride * height</c> bytes each.</summary>
    public static bool IsThreePlanes(PixelFormat format) => format is >= PixelFormat.RgbF32Planar and <= PixelFormat.BgrU8Planar;

    /// <summary>The smallest legal stride: the bytes one row of the first plane needs.</summary>
    public static long MinStride(PixelFormat format, int width) => format switch
    {
        PixelFormat.I420 or PixelFormat.J420 => width,
        // The interleaved chroma row of NV12 holds ceil(width/2) U,V pairs and shares the Y stride.
        PixelFormat.Nv12 => 2L * HalfUp(width),
        PixelFormat.RgbF32Planar or PixelFormat.BgrF32Planar => 4L * width,
        PixelFormat.RgbU8Planar or PixelFormat.BgrU8Planar => width,
        _ => (long)BytesPerPixel(format) * width,
    };

    /// <summary>The exact payload size of a raw frame; the caller has checked the format and stride.</summary>
    public static long RawPayloadSize(PixelFormat format, int width, int height, long stride) => format switch
    {
        PixelFormat.I420 or PixelFormat.J420 => (stride * height) + (2 * HalfUp(stride) * HalfUp(height)),
        PixelFormat.Nv12 => (stride * height) + (stride * HalfUp(height)),
        _ when IsThreePlanes(format) => 3 * stride * height,
        _ => stride * height,
    };

    private static long HalfUp(long value) => (value + 1) / 2;
}
