using RawFrames.Codecs.Interop;
using RawFrames.Protocol.Wire;

namespace RawFrames.Codecs;

/// <summary>
/// BGR24 (any stride) to baseline JPEG with tjCompress2, written into the caller's buffer of at least
/// <see cref="MaxEncodedSize(int, int)"/> bytes (TJFLAG_NOREALLOC: TurboJPEG never allocates). One instance per thread.
/// </summary>
internal sealed unsafe class JpegEncoder : IFrameEncoder
{
    private readonly TurboJpegHandle _handle;

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

    public int Quality { get; }

    public ChromaSubsampling Subsampling { get; }

    public Codec Codec => Codec.Jpeg;

    public PixelFormat PayloadPixelFormat => PixelFormat.Bgr24;

    public int MaxEncodedSize(int width, int height) => MaxEncodedSize(width, height, Subsampling);

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

    public void Dispose() => _handle.Dispose();
}
