using System.Runtime.InteropServices;
using RawFrames.Client;
using RawFrames.Codecs.Interop;

namespace RawFrames.Codecs;

/// <summary>
/// Lossless PNG through libspng, for the comparison with JPEG and BMP. BGR24 is swapped to PNG's R,G,B order by libyuv
/// into a buffer this instance keeps; the PNG is streamed straight into the caller's buffer. libspng needs a fresh
/// context per image, so each frame costs one small native context. One instance per thread.
/// </summary>
public sealed unsafe class PngCodec : IFrameEncoder
{
    private const int SpngIoError = -2;
    private byte[] _rgb = [];

    /// <param name="compressionLevel">zlib level 0 (fastest) to 9 (smallest).</param>
    /// <exception cref="CodecUnavailableException">libspng is not installed.</exception>
    public PngCodec(int compressionLevel = PngLevels.Default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(compressionLevel, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(compressionLevel, 9);
        NativeCodecs.Require(Libraries.Spng);
        NativeCodecs.Require(Libraries.Yuv);
        CompressionLevel = compressionLevel;
    }

    /// <summary>
    /// zlib level: 0 stores, 9 compresses hardest. Levels 0-2 are the fast mode OpenCV uses by default (the Sub
    /// filter on every row and zlib's run-length strategy); higher levels try every filter per row.
    /// </summary>
    public int CompressionLevel { get; }

    private bool FastMode => CompressionLevel <= 2;

    /// <inheritdoc/>
    public Codec Codec => Codec.Png;

    /// <inheritdoc/>
    public PixelFormat PayloadPixelFormat => PixelFormat.Bgr24;

    /// <inheritdoc/>
    public int Encode(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination) =>
        EncodeBgr(bgr, width, height, stride, destination);

    /// <summary>
    /// Enough for incompressible pixels: zlib's conservative deflateBound for non-default settings (level 1 on random
    /// noise does expand: a tighter stored-block bound overflowed) plus per-row filter bytes and IDAT chunk headers.
    /// </summary>
    public int MaxEncodedSize(int width, int height)
    {
        long raw = ((long)width * 3 + 1) * height;
        return checked((int)(raw + ((raw + 7) / 8) + ((raw + 63) / 64) + (raw / 4096 * 12) + 4096));
    }

    /// <summary>Encodes BGR24 rows of <paramref name="stride"/> bytes as an 8-bit RGB PNG; returns its length.</summary>
    public int EncodeBgr(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination)
    {
        CodecArguments.CheckPacked(bgr, width, height, stride, 3);
        int rowBytes = width * 3;
        EnsureScratch(rowBytes * height);
        fixed (byte* source = bgr)
        fixed (byte* rgb = _rgb)
        fixed (byte* output = destination)
        {
            CheckYuv(Yuv.SwapRedBlue(source, stride, rgb, rowBytes, width, height));
            using SpngContextHandle context = Spng.CtxNew(Spng.CtxEncoder);
            var sink = new Sink { Buffer = output, Capacity = destination.Length };
            var header = new Spng.Ihdr { Width = (uint)width, Height = (uint)height, BitDepth = 8, ColorType = Spng.ColorTypeTruecolor };
            Check(Spng.SetPngStream(context, &Write, (IntPtr)(&sink)), "spng_set_png_stream");
            Check(Spng.SetOption(context, Spng.OptionCompressionLevel, CompressionLevel), "spng_set_option");
            if (FastMode)
            {
                Check(Spng.SetOption(context, Spng.OptionFilterChoice, Spng.FilterChoiceSub), "spng_set_option");
                Check(Spng.SetOption(context, Spng.OptionCompressionStrategy, Spng.StrategyRle), "spng_set_option");
            }

            Check(Spng.SetIhdr(context, &header), "spng_set_ihdr");
            int result = Spng.EncodeImage(context, rgb, (nuint)(rowBytes * height), Spng.FormatPng, Spng.EncodeFinalize);
            if (sink.Overflowed != 0)
            {
                throw new ArgumentException($"the destination ({destination.Length} bytes) is too small for this PNG", nameof(destination));
            }

            Check(result, "spng_encode_image");
            return sink.Length;
        }
    }

    /// <summary>Decodes a PNG of <paramref name="width"/> x <paramref name="height"/> to BGR24 rows of <paramref name="stride"/> bytes.</summary>
    /// <exception cref="CorruptFrameException">Not a PNG of that geometry.</exception>
    public void DecodeToBgr(ReadOnlySpan<byte> png, Span<byte> bgr, int width, int height, int stride)
    {
        CodecArguments.CheckPacked(bgr, width, height, stride, 3);
        int rowBytes = width * 3;
        EnsureScratch(rowBytes * height);
        fixed (byte* source = png)
        fixed (byte* rgb = _rgb)
        fixed (byte* output = bgr)
        {
            using SpngContextHandle context = Spng.CtxNew(0);
            Spng.Ihdr header;
            nuint size;
            if (png.IsEmpty || Spng.SetImageLimits(context, 65535, 65535) != 0 || Spng.SetPngBuffer(context, source, (nuint)png.Length) != 0
                || Spng.GetIhdr(context, &header) is var error && error != 0)
            {
                throw new CorruptFrameException("not a readable PNG");
            }

            if (header.Width != width || header.Height != height)
            {
                throw new CorruptFrameException($"the PNG is {header.Width}x{header.Height} but the frame header says {width}x{height}");
            }

            if (Spng.DecodedImageSize(context, Spng.FormatRgb8, &size) != 0 || size != (nuint)(rowBytes * height))
            {
                throw new CorruptFrameException("the PNG cannot be decoded to 8-bit RGB");
            }

            int decoded = Spng.DecodeImage(context, rgb, size, Spng.FormatRgb8, 0);
            if (decoded != 0)
            {
                throw new CorruptFrameException($"PNG decode failed: {Spng.Describe(decoded)}");
            }

            CheckYuv(Yuv.SwapRedBlue(rgb, rowBytes, output, stride, width, height));
        }
    }

    /// <summary>Frees the native context.</summary>
    public void Dispose()
    {
        // Only managed scratch memory; the native contexts live for one image each.
    }

    private void EnsureScratch(int size)
    {
        if (_rgb.Length < size)
        {
            _rgb = GC.AllocateUninitializedArray<byte>(size);
        }
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"{call}: {Spng.Describe(error)}");
        }
    }

    private static void CheckYuv(int result)
    {
        if (result != 0)
        {
            throw new InvalidOperationException("libyuv RAWToRGB24 failed");
        }
    }

    [UnmanagedCallersOnly]
    private static int Write(IntPtr context, IntPtr user, byte* data, nuint length)
    {
        var sink = (Sink*)user;
        if ((nuint)sink->Length + length > (nuint)sink->Capacity)
        {
            sink->Overflowed = 1;
            return SpngIoError;
        }

        Buffer.MemoryCopy(data, sink->Buffer + sink->Length, sink->Capacity - sink->Length, (long)length);
        sink->Length += (int)length;
        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Sink
    {
        public byte* Buffer;
        public int Capacity;
        public int Length;
        public int Overflowed;
    }
}
