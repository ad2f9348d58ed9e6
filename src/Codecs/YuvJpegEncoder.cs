using RawFrames.Client;
using RawFrames.Codecs.Interop;
using RawFrames.Protocol.Wire;

namespace RawFrames.Codecs;

/// <summary>
/// YUV-JPEG: a standard baseline JPEG coded straight from full-range 4:2:0 planes (J420) with
/// tjCompressFromYUVPlanes. BGR sources go through libyuv RGB24ToJ420 first (full range: libyuv's I420 is limited
/// range and would cost 14 dB); J420 sources skip the conversion. One instance per thread.
/// </summary>
public sealed unsafe class YuvJpegEncoder : IFrameEncoder
{
    private readonly TurboJpegHandle _handle;
    private byte[] _planes = [];

    /// <param name="quality">1 (smallest) to 100 (best).</param>
    /// <exception cref="CodecUnavailableException">libturbojpeg or libyuv is not installed.</exception>
    public YuvJpegEncoder(int quality = 80)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        NativeCodecs.Require(Libraries.TurboJpeg);
        NativeCodecs.Require(Libraries.Yuv);
        Quality = quality;
        _handle = TurboJpeg.InitCompress();
        if (_handle.IsInvalid)
        {
            throw new InvalidOperationException("tjInitCompress failed");
        }
    }

    /// <summary>1 to 100.</summary>
    public int Quality { get; }

    /// <inheritdoc/>
    public Codec Codec => Codec.YuvJpeg;

    /// <inheritdoc/>
    public PixelFormat PayloadPixelFormat => PixelFormat.J420;

    /// <inheritdoc/>
    public int MaxEncodedSize(int width, int height) => JpegEncoder.MaxEncodedSize(width, height, ChromaSubsampling.S420);

    /// <inheritdoc/>
    public int Encode(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination) =>
        EncodeBgr(bgr, width, height, stride, destination);

    /// <summary>Converts BGR24 to J420 (into a buffer this encoder keeps and reuses) and encodes it.</summary>
    public int EncodeBgr(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination)
    {
        CodecArguments.CheckPacked(bgr, width, height, stride, 3);
        int planesSize = (int)PixelLayout.RawPayloadSize(PixelFormat.J420, width, height, width);
        if (_planes.Length < planesSize)
        {
            _planes = GC.AllocateUninitializedArray<byte>(planesSize);
        }

        ColorConversion.BgrToJ420(bgr, width, height, stride, _planes, width);
        return EncodeJ420(_planes, width, height, width, destination);
    }

    /// <summary>Encodes J420 planes laid out as PROTOCOL.md §7.1 says (Y stride <paramref name="stride"/>, chroma stride ⌈stride/2⌉).</summary>
    public int EncodeJ420(ReadOnlySpan<byte> planes, int width, int height, int stride, Span<byte> destination)
    {
        CodecArguments.CheckJ420(planes, width, height, stride);
        CodecArguments.CheckDestination(destination, MaxEncodedSize(width, height));
        (int chromaStride, int uOffset, int vOffset) = CodecArguments.J420Planes(height, stride);
        fixed (byte* source = planes)
        fixed (byte* output = destination)
        {
            byte** planePointers = stackalloc byte*[3] { source, source + uOffset, source + vOffset };
            int* strides = stackalloc int[3] { stride, chromaStride, chromaStride };
            byte* jpeg = output;
            nuint size = (nuint)destination.Length;
            if (TurboJpeg.CompressFromYuvPlanes(_handle, planePointers, width, strides, height, TurboJpeg.Samp420, &jpeg, &size, Quality,
                    TurboJpeg.FlagNoRealloc) != 0)
            {
                throw new InvalidOperationException($"tjCompressFromYUVPlanes: {TurboJpeg.LastError(_handle)}");
            }

            return (int)size;
        }
    }

    /// <summary>Frees the TurboJPEG handle.</summary>
    public void Dispose() => _handle.Dispose();
}
