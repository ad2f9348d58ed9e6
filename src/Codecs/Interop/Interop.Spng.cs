using System.Runtime.InteropServices;

namespace RawFrames.Codecs.Interop;

/// <summary>libspng.so.0 (spng.h, 0.7).</summary>
internal static unsafe partial class Spng
{
    public const int CtxEncoder = 2;             // SPNG_CTX_ENCODER
    public const int FormatRgb8 = 4;             // SPNG_FMT_RGB8
    public const int FormatPng = 256;            // SPNG_FMT_PNG: the image is in the PNG's own format
    public const int EncodeFinalize = 2;         // SPNG_ENCODE_FINALIZE
    public const int OptionCompressionLevel = 2; // SPNG_IMG_COMPRESSION_LEVEL
    public const int OptionCompressionStrategy = 5; // SPNG_IMG_COMPRESSION_STRATEGY
    public const int OptionFilterChoice = 10;    // SPNG_FILTER_CHOICE
    public const int FilterChoiceSub = 16;       // SPNG_FILTER_CHOICE_SUB
    public const int StrategyRle = 3;            // zlib Z_RLE
    public const byte ColorTypeTruecolor = 2;    // SPNG_COLOR_TYPE_TRUECOLOR

    [StructLayout(LayoutKind.Sequential)]
    public struct Ihdr
    {
        public uint Width;
        public uint Height;
        public byte BitDepth;
        public byte ColorType;
        public byte CompressionMethod;
        public byte FilterMethod;
        public byte InterlaceMethod;
    }

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_ctx_new")]
    public static partial SpngContextHandle CtxNew(int flags);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_ctx_free")]
    public static partial void CtxFree(IntPtr context);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_set_png_buffer")]
    public static partial int SetPngBuffer(SpngContextHandle context, byte* buffer, nuint size);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_set_png_stream")]
    public static partial int SetPngStream(SpngContextHandle context, delegate* unmanaged<IntPtr, IntPtr, byte*, nuint, int> write, IntPtr user);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_set_option")]
    public static partial int SetOption(SpngContextHandle context, int option, int value);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_set_image_limits")]
    public static partial int SetImageLimits(SpngContextHandle context, uint width, uint height);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_get_ihdr")]
    public static partial int GetIhdr(SpngContextHandle context, Ihdr* ihdr);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_set_ihdr")]
    public static partial int SetIhdr(SpngContextHandle context, Ihdr* ihdr);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_decoded_image_size")]
    public static partial int DecodedImageSize(SpngContextHandle context, int format, nuint* size);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_decode_image")]
    public static partial int DecodeImage(SpngContextHandle context, byte* output, nuint size, int format, int flags);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_encode_image")]
    public static partial int EncodeImage(SpngContextHandle context, byte* image, nuint size, int format, int flags);

    [LibraryImport(Libraries.Spng, EntryPoint = "spng_strerror")]
    public static partial byte* StrError(int error);

    public static string Describe(int error) => Marshal.PtrToStringUTF8((IntPtr)StrError(error)) ?? $"libspng error {error}";
}
