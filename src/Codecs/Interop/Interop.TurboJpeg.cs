using System.Runtime.InteropServices;

namespace RawFrames.Codecs.Interop;

/// <summary>The TurboJPEG 2.1 API of libturbojpeg.so.0 (turbojpeg.h). C <c>unsigned long</c> is 64-bit on Linux x64: <c>nuint</c>.</summary>
internal static unsafe partial class TurboJpeg
{
    public const int PixelFormatBgr = 1;     // TJPF_BGR
    public const int PixelFormatBgrx = 3;    // TJPF_BGRX: B,G,R,X in memory, libyuv's "ARGB"
    public const int PixelFormatGray = 6;    // TJPF_GRAY
    public const int Samp444 = 0;            // TJSAMP_444
    public const int Samp422 = 1;            // TJSAMP_422
    public const int Samp420 = 2;            // TJSAMP_420
    public const int SampGray = 3;           // TJSAMP_GRAY
    public const int FlagFastUpsample = 256; // TJFLAG_FASTUPSAMPLE
    public const int FlagNoRealloc = 1024;   // TJFLAG_NOREALLOC
    public const int FlagFastDct = 2048;     // TJFLAG_FASTDCT

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjInitCompress")]
    public static partial TurboJpegHandle InitCompress();

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjInitDecompress")]
    public static partial TurboJpegHandle InitDecompress();

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjDestroy")]
    public static partial int Destroy(IntPtr handle);

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjBufSize")]
    public static partial nuint BufSize(int width, int height, int subsampling);

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjCompress2")]
    public static partial int Compress2(TurboJpegHandle handle, byte* source, int width, int pitch, int height, int pixelFormat,
        byte** jpeg, nuint* jpegSize, int subsampling, int quality, int flags);

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjCompressFromYUVPlanes")]
    public static partial int CompressFromYuvPlanes(TurboJpegHandle handle, byte** planes, int width, int* strides, int height,
        int subsampling, byte** jpeg, nuint* jpegSize, int quality, int flags);

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjDecompressHeader3")]
    public static partial int DecompressHeader3(TurboJpegHandle handle, byte* jpeg, nuint jpegSize, int* width, int* height,
        int* subsampling, int* colorspace);

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjDecompress2")]
    public static partial int Decompress2(TurboJpegHandle handle, byte* jpeg, nuint jpegSize, byte* destination, int width, int pitch,
        int height, int pixelFormat, int flags);

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjDecompressToYUVPlanes")]
    public static partial int DecompressToYuvPlanes(TurboJpegHandle handle, byte* jpeg, nuint jpegSize, byte** planes, int width,
        int* strides, int height, int flags);

    /// <summary>The scaling factors the decompressor supports (num/denom pairs, largest first); the array is the library's own.</summary>
    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjGetScalingFactors")]
    public static partial ScalingFactor* GetScalingFactors(int* count);

    [LibraryImport(Libraries.TurboJpeg, EntryPoint = "tjGetErrorStr2")]
    public static partial byte* GetErrorStr2(TurboJpegHandle handle);

    /// <summary>The handle's last error. Any -1 return is a failure, whatever tjGetErrorCode says (it says "warning" even for "Not a JPEG file").</summary>
    public static string LastError(TurboJpegHandle handle) => Marshal.PtrToStringUTF8((IntPtr)GetErrorStr2(handle)) ?? "unknown TurboJPEG error";

    /// <summary>tjscalingfactor.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public readonly struct ScalingFactor
    {
        public readonly int Num;
        public readonly int Denom;
    }
}
