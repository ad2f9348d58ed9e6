using RawFrames.Codecs.Interop;

namespace RawFrames.Codecs;

/// <summary>BGR24 to and from full-range J420 planes (PROTOCOL.md §7.1 layout) through libyuv.</summary>
public static unsafe class ColorConversion
{
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
