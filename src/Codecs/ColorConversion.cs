using RawFrames.Client;
using RawFrames.Codecs.Interop;

namespace RawFrames.Codecs;

/// <summary>Raw pixel formats (PROTOCOL.md §7.1 layouts) to and from BGR24, through libyuv where it has the conversion.</summary>
public static unsafe class ColorConversion
{
    /// <summary>BGR24 to full-range 4:2:0 planes (J420, libyuv RGB24ToJ420).</summary>
    public static void BgrToJ420(ReadOnlySpan<byte> bgr, int width, int height, int bgrStride, Span<byte> planes, int planeStride)
    {
        NativeCodecs.Require(Libraries.Yuv);
        CodecArguments.CheckPacked(bgr, width, height, bgrStride, 3);
        CodecArguments.CheckJ420(planes, width, height, planeStride);
        (int chromaStride, int uOffset, int vOffset) = CodecArguments.J420Planes(height, planeStride);
        fixed (byte* source = bgr)
        fixed (byte* output = planes)
        {
            if (Yuv.Rgb24ToJ420(source, bgrStride, output, planeStride, output + uOffset, chromaStride, output + vOffset, chromaStride, width, height) != 0)
            {
                throw new InvalidOperationException("libyuv RGB24ToJ420 failed");
            }
        }
    }

    /// <summary>
    /// Any raw frame the library can show as pixels, to tightly packed BGR24 (<c>width * 3</c> bytes per row): BGR24
    /// without its row padding, RGB24, BGRA32 (alpha dropped), GRAY8 (replicated) and J420.
    /// </summary>
    /// <exception cref="NotSupportedException">I420 or NV12 (limited-range or interleaved chroma: no conversion here).</exception>
    public static void ToPackedBgr(PixelFormat format, int width, int height, int stride, ReadOnlySpan<byte> source, Span<byte> bgr)
    {
        int rowBytes = width * 3;
        switch (format)
        {
            case PixelFormat.Bgr24:
                for (int row = 0; row < height; row++)
                {
                    source.Slice(row * stride, rowBytes).CopyTo(bgr[(row * rowBytes)..]);
                }

                break;
            case PixelFormat.Rgb24:
                NativeCodecs.Require(Libraries.Yuv);
                fixed (byte* input = source)
                fixed (byte* output = bgr)
                {
                    if (Yuv.SwapRedBlue(input, stride, output, rowBytes, width, height) != 0)
                    {
                        throw new InvalidOperationException("libyuv RAWToRGB24 failed");
                    }
                }

                break;
            case PixelFormat.Bgra32 or PixelFormat.Gray8:
                int bytesPerPixel = format == PixelFormat.Gray8 ? 1 : 4;
                for (int row = 0; row < height; row++)
                {
                    ReadOnlySpan<byte> input = source.Slice(row * stride, width * bytesPerPixel);
                    Span<byte> output = bgr.Slice(row * rowBytes, rowBytes);
                    for (int x = 0; x < width; x++)
                    {
                        int at = x * bytesPerPixel;
                        (output[x * 3], output[(x * 3) + 1], output[(x * 3) + 2]) = bytesPerPixel == 1
                            ? (input[at], input[at], input[at])
                            : (input[at], input[at + 1], input[at + 2]);
                    }
                }

                break;
            case PixelFormat.J420:
                J420ToBgr(source, width, height, stride, bgr, rowBytes);
                break;
            default:
                throw new NotSupportedException($"raw {format} frames are not converted to BGR here; read the payload as it is (PROTOCOL.md §7.1)");
        }
    }

    /// <summary>Full-range 4:2:0 planes (J420) to BGR24 (libyuv).</summary>
    public static void J420ToBgr(ReadOnlySpan<byte> planes, int width, int height, int planeStride, Span<byte> bgr, int bgrStride)
    {
        NativeCodecs.Require(Libraries.Yuv);
        CodecArguments.CheckJ420(planes, width, height, planeStride);
        CodecArguments.CheckPacked(bgr, width, height, bgrStride, 3);
        (int chromaStride, int uOffset, int vOffset) = CodecArguments.J420Planes(height, planeStride);
        fixed (byte* source = planes)
        fixed (byte* output = bgr)
        {
            if (Yuv.J420ToRgb24(source, planeStride, source + uOffset, chromaStride, source + vOffset, chromaStride, output, bgrStride, width, height) != 0)
            {
                throw new InvalidOperationException("libyuv J420ToRGB24 failed");
            }
        }
    }
}
