using System.Runtime.InteropServices;

namespace RawFrames.Codecs.Interop;

/// <summary>
/// libyuv.so.0. Its "RGB24" is memory order B,G,R (OpenCV's BGR). J420 is full-range 4:2:0 as JPEG uses; libyuv's I420
/// is limited range and costs 14 dB next to TurboJPEG, so it is not used here.
/// </summary>
internal static unsafe partial class Yuv
{
    [LibraryImport(Libraries.Yuv, EntryPoint = "RGB24ToJ420")]
    public static partial int Rgb24ToJ420(byte* bgr, int bgrStride, byte* y, int yStride, byte* u, int uStride, byte* v, int vStride,
        int width, int height);

    /// <summary>Swaps bytes 0 and 2 of every pixel: R,G,B to B,G,R, and so equally B,G,R to R,G,B.</summary>
    [LibraryImport(Libraries.Yuv, EntryPoint = "RAWToRGB24")]
    public static partial int SwapRedBlue(byte* source, int sourceStride, byte* destination, int destinationStride, int width, int height);

    [LibraryImport(Libraries.Yuv, EntryPoint = "J420ToRGB24")]
    public static partial int J420ToRgb24(byte* y, int yStride, byte* u, int uStride, byte* v, int vStride, byte* bgr, int bgrStride,
        int width, int height);
}
