using RawFrames.Client;
using RawFrames.Codecs.Interop;

namespace RawFrames.Codecs;

/// <summary>
/// JPEG (from the jpeg or yuv-jpeg codec) to BGR24 or BGRA32 with tjDecompress2, or to J420 planes with
/// tjDecompressToYUVPlanes. A corrupt or truncated JPEG throws <see cref="CorruptFrameException"/>. One instance per thread.
/// </summary>
public sealed unsafe class JpegDecoder : IDisposable
{
    private readonly TurboJpegHandle _handle;

    /// <param name="fast">
    /// TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE: the fast integer IDCT and plain chroma upsampling. About 14% less CPU for a
    /// 1080p photo (bench: TurboJpegCeilingBenchmarks) for 0.9 dB of PSNR on that photo (3.2 dB on smooth gradients).
    /// </param>
    public JpegDecoder(bool fast = false)
    {
        NativeCodecs.Require(Libraries.TurboJpeg);
        Flags = fast ? TurboJpeg.FlagFastDct | TurboJpeg.FlagFastUpsample : 0;
        _handle = TurboJpeg.InitDecompress();
        if (_handle.IsInvalid)
        {
            throw new InvalidOperationException("tjInitDecompress failed");
        }
    }

    private int Flags { get; }

    /// <summary>The JPEG's geometry and chroma subsampling (null for grayscale or unusual sampling).</summary>
    public (int Width, int Height, ChromaSubsampling? Subsampling) ReadHeader(ReadOnlySpan<byte> jpeg)
    {
        fixed (byte* source = jpeg)
        {
            int width;
            int height;
            int subsampling;
            int colorspace;
            if (jpeg.IsEmpty || TurboJpeg.DecompressHeader3(_handle, source, (nuint)jpeg.Length, &width, &height, &subsampling, &colorspace) != 0)
            {
                throw new CorruptFrameException($"not a readable JPEG: {(jpeg.IsEmpty ? "empty" : TurboJpeg.LastError(_handle))}");
            }

            return (width, height, subsampling is >= TurboJpeg.Samp444 and <= TurboJpeg.Samp420 ? (ChromaSubsampling)subsampling : null);
        }
    }

    /// <summary>Decodes to BGR24 rows of <paramref name="stride"/> bytes; the JPEG must be <paramref name="width"/> x <paramref name="height"/>.</summary>
    public void DecodeToBgr(ReadOnlySpan<byte> jpeg, Span<byte> bgr, int width, int height, int stride) =>
        DecodePacked(jpeg, bgr, width, height, stride, 3, TurboJpeg.PixelFormatBgr);

    /// <summary>Decodes to BGRA32 (B, G, R, then alpha 0xFF: TurboJPEG fills the X byte of its BGRX output).</summary>
    public void DecodeToBgra(ReadOnlySpan<byte> jpeg, Span<byte> bgra, int width, int height, int stride) =>
        DecodePacked(jpeg, bgra, width, height, stride, 4, TurboJpeg.PixelFormatBgrx);

    private void DecodePacked(ReadOnlySpan<byte> jpeg, Span<byte> pixels, int width, int height, int stride, int bytesPerPixel, int pixelFormat)
    {
        CheckGeometry(jpeg, width, height);
        CodecArguments.CheckPacked(pixels, width, height, stride, bytesPerPixel);
        fixed (byte* source = jpeg)
        fixed (byte* output = pixels)
        {
            if (TurboJpeg.Decompress2(_handle, source, (nuint)jpeg.Length, output, width, stride, height, pixelFormat, Flags) != 0)
            {
                throw new CorruptFrameException($"JPEG decode failed: {TurboJpeg.LastError(_handle)}");
            }
        }
    }

    /// <summary>Decodes a 4:2:0 JPEG to J420 planes in PROTOCOL.md §7.1 layout with stride = width.</summary>
    public void DecodeToJ420(ReadOnlySpan<byte> jpeg, Span<byte> planes, int width, int height)
    {
        if (CheckGeometry(jpeg, width, height) != ChromaSubsampling.S420)
        {
            throw new CorruptFrameException("decoding to YUV planes needs a 4:2:0 JPEG");
        }

        CodecArguments.CheckJ420(planes, width, height, width);
        (int chromaStride, int uOffset, int vOffset) = CodecArguments.J420Planes(height, width);
        fixed (byte* source = jpeg)
        fixed (byte* output = planes)
        {
            byte** planePointers = stackalloc byte*[3] { output, output + uOffset, output + vOffset };
            int* strides = stackalloc int[3] { width, chromaStride, chromaStride };
            if (TurboJpeg.DecompressToYuvPlanes(_handle, source, (nuint)jpeg.Length, planePointers, width, strides, height, Flags) != 0)
            {
                throw new CorruptFrameException($"JPEG decode to planes failed: {TurboJpeg.LastError(_handle)}");
            }
        }
    }

    /// <summary>Frees the TurboJPEG handle.</summary>
    public void Dispose() => _handle.Dispose();

    private ChromaSubsampling? CheckGeometry(ReadOnlySpan<byte> jpeg, int width, int height)
    {
        (int actualWidth, int actualHeight, ChromaSubsampling? subsampling) = ReadHeader(jpeg);
        if (actualWidth != width || actualHeight != height)
        {
            throw new CorruptFrameException($"the JPEG is {actualWidth}x{actualHeight} but the frame header says {width}x{height}");
        }

        return subsampling;
    }
}
