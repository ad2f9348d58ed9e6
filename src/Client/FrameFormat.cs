using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// How raw pixels lie in memory (PROTOCOL.md §7.1): pixel format, size, and the bytes from one row of the first plane
/// to the next. Planar formats (I420, J420, NV12) keep their chroma planes right after the luma plane, as §7.1 says.
/// </summary>
public readonly record struct FrameFormat
{
    /// <param name="stride">Bytes per row of the first plane; 0: tightly packed (the smallest the format allows).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size outside 1-65,535, an unknown format, or a stride below the row's bytes.</exception>
    public FrameFormat(PixelFormat pixelFormat, int width, int height, int stride = 0)
    {
        if (!PixelLayout.IsKnown(pixelFormat))
        {
            throw new ArgumentOutOfRangeException(nameof(pixelFormat), pixelFormat, "not a PROTOCOL.md §7 pixel format");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, ProtocolConstants.MaxDimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, ProtocolConstants.MaxDimension);
        long minimum = PixelLayout.MinStride(pixelFormat, width);
        if (stride != 0 && stride < minimum)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, $"a {pixelFormat} row of width {width} needs at least {minimum} bytes");
        }

        PixelFormat = pixelFormat;
        Width = width;
        Height = height;
        Stride = stride == 0 ? (int)minimum : stride;
    }

    /// <summary>How the pixels are laid out in memory (PROTOCOL.md §7).</summary>
    public PixelFormat PixelFormat { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes from the start of one row of the first plane to the next.</summary>
    public int Stride { get; }

    /// <summary>The bytes a frame of this format takes, padding of the last row included.</summary>
    public long PayloadLength => PixelLayout.RawPayloadSize(PixelFormat, Width, Height, Stride);

    /// <summary>Packed B, G, R (OpenCV's default).</summary>
    public static FrameFormat Bgr24(int width, int height, int stride = 0) => new(PixelFormat.Bgr24, width, height, stride);

    /// <summary>Packed 8-bit R, G, B; <paramref name="stride"/> 0 means <c>width * 3</c>.</summary>
    public static FrameFormat Rgb24(int width, int height, int stride = 0) => new(PixelFormat.Rgb24, width, height, stride);

    /// <summary>8-bit B, G, R, A (as Windows and many GPUs hand frames over); <paramref name="stride"/> 0 means <c>width * 4</c>.</summary>
    public static FrameFormat Bgra32(int width, int height, int stride = 0) => new(PixelFormat.Bgra32, width, height, stride);

    /// <summary>One 8-bit luma byte per pixel; <paramref name="stride"/> 0 means <c>width</c>.</summary>
    public static FrameFormat Gray8(int width, int height, int stride = 0) => new(PixelFormat.Gray8, width, height, stride);

    /// <summary>Y, U and V planes, 4:2:0, full range (as JPEG codes them).</summary>
    public static FrameFormat J420(int width, int height, int stride = 0) => new(PixelFormat.J420, width, height, stride);

    /// <summary>Y, U and V planes, 4:2:0, BT.601 limited range.</summary>
    public static FrameFormat I420(int width, int height, int stride = 0) => new(PixelFormat.I420, width, height, stride);

    /// <summary>A Y plane, then interleaved U,V, 4:2:0.</summary>
    public static FrameFormat Nv12(int width, int height, int stride = 0) => new(PixelFormat.Nv12, width, height, stride);
}
