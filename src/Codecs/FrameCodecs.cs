using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Codecs;

/// <summary>Creates the encoder or decoder for a codec; the one place that maps codec ids to implementations.</summary>
public static class FrameCodecs
{
    /// <summary>A new encoder of <paramref name="codec"/> (JPEG, YUV-JPEG, PNG or BMP) with <paramref name="settings"/>; one per thread.</summary>
    /// <exception cref="ArgumentException">Raw is not a compressing codec.</exception>
    /// <exception cref="CodecUnavailableException">The codec's native library is missing.</exception>
    public static IFrameEncoder CreateEncoder(Codec codec, EncoderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return codec switch
        {
            Codec.Jpeg => new JpegEncoder(settings.Quality, settings.Subsampling),
            Codec.YuvJpeg => new YuvJpegEncoder(settings.Quality),
            Codec.Png => new PngCodec(settings.PngLevel),
            Codec.Bmp => new BmpEncoder(),
            _ => throw new ArgumentException($"{codec} is not a compressing codec", nameof(codec)),
        };
    }

    /// <summary>A new decoder of <paramref name="codec"/> payloads to <paramref name="target"/>; one per thread.</summary>
    /// <param name="codec">JPEG, YUV-JPEG, PNG or BMP.</param>
    /// <param name="target">BGR24 or J420 planes.</param>
    /// <param name="fastJpeg">JPEG: TurboJPEG's fast IDCT and upsampling (<see cref="JpegDecoder(bool)"/>).</param>
    public static IFrameDecoder CreateDecoder(Codec codec, DecodeTarget target, bool fastJpeg = false) => (codec, target) switch
    {
        (Codec.Jpeg or Codec.YuvJpeg, DecodeTarget.Bgr) => new JpegBgrDecoder(codec, fastJpeg),
        (Codec.Jpeg or Codec.YuvJpeg, DecodeTarget.Yuv) => new JpegYuvDecoder(codec, fastJpeg),
        (Codec.Png, DecodeTarget.Bgr) => new PngBgrDecoder(),
        (Codec.Bmp, DecodeTarget.Bgr) => new BmpBgrDecoder(),
        (Codec.Png or Codec.Bmp, DecodeTarget.Yuv) => new BgrToJ420Decoder(CreateDecoder(codec, DecodeTarget.Bgr)),
        _ => throw new ArgumentException($"{codec} cannot be decoded to {target}", nameof(codec)),
    };

    private sealed class JpegBgrDecoder(Codec codec, bool fast) : IFrameDecoder
    {
        private readonly JpegDecoder _decoder = new(fast);

        public Codec Codec => codec;

        public int OutputSize(int width, int height) => width * height * 3;

        public void Decode(ReadOnlySpan<byte> payload, int width, int height, Span<byte> output) =>
            _decoder.DecodeToBgr(payload, output, width, height, width * 3);

        public void Dispose() => _decoder.Dispose();
    }

    private sealed class JpegYuvDecoder(Codec codec, bool fast) : IFrameDecoder
    {
        private readonly JpegDecoder _decoder = new(fast);

        public Codec Codec => codec;

        public int OutputSize(int width, int height) => (int)PixelLayout.RawPayloadSize(PixelFormat.J420, width, height, width);

        public void Decode(ReadOnlySpan<byte> payload, int width, int height, Span<byte> output) =>
            _decoder.DecodeToJ420(payload, output, width, height);

        public void Dispose() => _decoder.Dispose();
    }

    private sealed class PngBgrDecoder : IFrameDecoder
    {
        private readonly PngCodec _codec = new();

        public Codec Codec => Codec.Png;

        public int OutputSize(int width, int height) => width * height * 3;

        public void Decode(ReadOnlySpan<byte> payload, int width, int height, Span<byte> output) =>
            _codec.DecodeToBgr(payload, output, width, height, width * 3);

        public void Dispose() => _codec.Dispose();
    }

    // PNG and BMP hold BGR pixels; for a YUV consumer they are converted after decoding.
    private sealed class BgrToJ420Decoder(IFrameDecoder bgr) : IFrameDecoder
    {
        private byte[] _bgr = [];

        public Codec Codec => bgr.Codec;

        public int OutputSize(int width, int height) => (int)PixelLayout.RawPayloadSize(PixelFormat.J420, width, height, width);

        public void Decode(ReadOnlySpan<byte> payload, int width, int height, Span<byte> output)
        {
            int size = bgr.OutputSize(width, height);
            if (_bgr.Length < size)
            {
                _bgr = GC.AllocateUninitializedArray<byte>(size);
            }

            bgr.Decode(payload, width, height, _bgr);
            ColorConversion.BgrToJ420(_bgr, width, height, width * 3, output, width);
        }

        public void Dispose() => bgr.Dispose();
    }

    private sealed class BmpBgrDecoder : IFrameDecoder
    {
        public Codec Codec => Codec.Bmp;

        public int OutputSize(int width, int height) => width * height * 3;

        public void Decode(ReadOnlySpan<byte> payload, int width, int height, Span<byte> output) =>
            BmpCodec.DecodeToBgr(payload, output, width, height, width * 3);

        public void Dispose()
        {
        }
    }
}
