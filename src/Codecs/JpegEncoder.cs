using RawFrames.Client;
using RawFrames.Codecs.Interop;

namespace RawFrames.Codecs;

/// <summary>
/// BGR24 (any stride) to baseline JPEG with tjCompress2, written into the caller's buffer of at least
/// <see cref="MaxEncodedSize(int, int)"/> bytes (TJFLAG_NOREALLOC: TurboJPEG never allocates). One instance per thread.
/// </summary>
public sealed unsafe class JpegEncoder : IFrameEncoder
{
    private readonly TurboJpegHandle _handle;

    /// <param name="quality">1 (smallest) to 100 (best); 80 is what the programs use by default.</param>
    /// <param name="subsampling">Chroma subsampling; 4:2:0 is smallest and what the browser view expects.</param>
    /// <exception cref="CodecUnavailableException">libturbojpeg is not installed.</exception>
    public JpegEncoder(int quality = 80, ChromaSubsampling subsampling = ChromaSubsampling.S420)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        NativeCodecs.Require(Libraries.TurboJpeg);
        Quality = quality;
        Subsampling = subsampling;
        _handle = TurboJpeg.InitCompress();
        if (_handle.IsInvalid)
        {
            throw new InvalidOperationException("tjInitCompress failed");
        }
    }

    /// <summary>1 to 100.</summary>
    public int Quality { get; }

    /// <summary>The chroma subsampling every JPEG of this encoder has.</summary>
    public ChromaSubsampling Subsampling { get; }

    /// <inheritdoc/>
    public Codec Codec => Codec.Jpeg;

    /// <inheritdoc/>
    public PixelFormat PayloadPixelFormat => PixelFormat.Bgr24;

    /// <inheritdoc/>
    public int MaxEncodedSize(int width, int height) => MaxEncodedSize(width, height, Subsampling);

    /// <inheritdoc/>
    public int Encode(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination) =>
        EncodeBgr(bgr, width, height, stride, destination);

    /// <summary>The worst-case JPEG size TurboJPEG may write for this geometry (tjBufSize).</summary>
    public static int MaxEncodedSize(int width, int height, ChromaSubsampling subsampling)
    {
        NativeCodecs.Require(Libraries.TurboJpeg);
        return checked((int)TurboJpeg.BufSize(width, height, (int)subsampling));
    }

    /// <summary>Encodes and returns the JPEG's length in <paramref name="destination"/>.</summary>
    public int EncodeBgr(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination)
    {
        CodecArguments.CheckPacked(bgr, width, height, stride, 3);
        CodecArguments.CheckDestination(destination, MaxEncodedSize(width, height, Subsampling));
        fixed (byte* source = bgr)
        fixed (byte* output = destination)
        {
            byte* jpeg = output;
            nuint size = (nuint)destination.Length;
            if (TurboJpeg.Compress2(_handle, source, width, stride, height, TurboJpeg.PixelFormatBgr, &jpeg, &size,
                    (int)Subsampling, Quality, TurboJpeg.FlagNoRealloc) != 0)
            {
                throw new InvalidOperationException($"tjCompress2: {TurboJpeg.LastError(_handle)}");
            }

            return (int)size;
        }
    }

    /// <summary>Frees the TurboJPEG handle.</summary>
    public void Dispose() => _handle.Dispose();
}
