using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Codecs;

/// <summary>Argument checks every codec makes before handing pointers to native code.</summary>
internal static class CodecArguments
{
    public static void CheckPacked(ReadOnlySpan<byte> pixels, int width, int height, int stride, int bytesPerPixel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * bytesPerPixel);
        long needed = ((long)stride * (height - 1)) + ((long)width * bytesPerPixel);
        if (pixels.Length < needed)
        {
            throw new ArgumentException($"{width}x{height} pixels with stride {stride} need {needed} bytes, got {pixels.Length}", nameof(pixels));
        }
    }

    public static void CheckJ420(ReadOnlySpan<byte> planes, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width);
        long needed = PixelLayout.RawPayloadSize(PixelFormat.J420, width, height, stride);
        if (planes.Length < needed)
        {
            throw new ArgumentException($"{width}x{height} J420 with stride {stride} needs {needed} bytes, got {planes.Length}", nameof(planes));
        }
    }

    public static void CheckDestination(Span<byte> destination, int needed)
    {
        if (destination.Length < needed)
        {
            throw new ArgumentException($"the destination needs at least {needed} bytes, got {destination.Length}", nameof(destination));
        }
    }

    /// <summary>J420 plane offsets and strides in PROTOCOL.md §7.1 layout.</summary>
    public static (int ChromaStride, int UOffset, int VOffset) J420Planes(int height, int stride)
    {
        int chromaStride = (stride + 1) / 2;
        int uOffset = stride * height;
        return (chromaStride, uOffset, uOffset + (chromaStride * ((height + 1) / 2)));
    }
}
