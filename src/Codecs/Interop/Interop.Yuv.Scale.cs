using System.Runtime.InteropServices;

namespace RawFrames.Codecs.Interop;

/// <summary>
/// libyuv's conversions of every raw layout to its "ARGB" (memory B,G,R,A: four bytes a pixel, what its fast scaler
/// takes) and the scaler itself, for model-ready tensors.
/// </summary>
internal static unsafe partial class Yuv
{
    public const int FilterBilinear = 2; // kFilterBilinear: what cv2.resize's INTER_LINEAR does

    [LibraryImport(Libraries.Yuv, EntryPoint = "ARGBScale")]
    public static partial int ArgbScale(byte* source, int sourceStride, int sourceWidth, int sourceHeight, byte* destination,
        int destinationStride, int destinationWidth, int destinationHeight, int filter);

    /// <summary>B,G,R to B,G,R,A.</summary>
    [LibraryImport(Libraries.Yuv, EntryPoint = "RGB24ToARGB")]
    public static partial int Bgr24ToArgb(byte* source, int sourceStride, byte* destination, int destinationStride, int width, int height);

    /// <summary>R,G,B to B,G,R,A.</summary>
    [LibraryImport(Libraries.Yuv, EntryPoint = "RAWToARGB")]
    public static partial int Rgb24ToArgb(byte* source, int sourceStride, byte* destination, int destinationStride, int width, int height);

    [LibraryImport(Libraries.Yuv, EntryPoint = "J400ToARGB")]
    public static partial int GrayToArgb(byte* source, int sourceStride, byte* destination, int destinationStride, int width, int height);

    [LibraryImport(Libraries.Yuv, EntryPoint = "J420ToARGB")]
    public static partial int J420ToArgb(byte* y, int yStride, byte* u, int uStride, byte* v, int vStride, byte* destination,
        int destinationStride, int width, int height);

    [LibraryImport(Libraries.Yuv, EntryPoint = "I420ToARGB")]
    public static partial int I420ToArgb(byte* y, int yStride, byte* u, int uStride, byte* v, int vStride, byte* destination,
        int destinationStride, int width, int height);

    [LibraryImport(Libraries.Yuv, EntryPoint = "NV12ToARGB")]
    public static partial int Nv12ToArgb(byte* y, int yStride, byte* uv, int uvStride, byte* destination, int destinationStride,
        int width, int height);

    /// <summary>B,G,R,A to B,G,R.</summary>
    [LibraryImport(Libraries.Yuv, EntryPoint = "ARGBToRGB24")]
    public static partial int ArgbToBgr(byte* source, int sourceStride, byte* destination, int destinationStride, int width, int height);

    /// <summary>B,G,R,A to R,G,B.</summary>
    [LibraryImport(Libraries.Yuv, EntryPoint = "ARGBToRAW")]
    public static partial int ArgbToRgb(byte* source, int sourceStride, byte* destination, int destinationStride, int width, int height);
}
