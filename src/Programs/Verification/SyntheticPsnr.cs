using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sources;

namespace RawFrames.Programs.Verification;

/// <summary>
/// Luma PSNR (the Y plane, the usual video-coding measure) of a decoded frame against the sender's synthetic frame for
/// its sequence number, tightly packed as the encoders are fed. Luma, because the synthetic pattern puts
/// full-resolution colour edges in every 2x2 block, which any 4:2:0 codec must blur: a BGR comparison would measure
/// the pattern, not the codec. One per decoder worker (it keeps its scratch buffers): the decode stage's check.
/// </summary>
public sealed class SyntheticPsnr : IPixelCheck
{
    private byte[] _scratch = [];

    public double Measure(in FrameInfo frame, DecodeTarget target, ReadOnlySpan<byte> pixels)
    {
        int width = frame.Width;
        int height = frame.Height;
        int planes = (int)PixelLayout.RawPayloadSize(PixelFormat.J420, width, height, width);
        if (_scratch.Length < 2 * planes)
        {
            _scratch = new byte[2 * planes];
        }

        Span<byte> expected = _scratch.AsSpan(0, planes);
        ColorConversion.BgrToJ420(SyntheticPattern.For(width, height).Frame(frame.Sequence).Span, width, height, width * 3, expected, width);
        ReadOnlySpan<byte> actual = pixels;
        if (target == DecodeTarget.Bgr)
        {
            Span<byte> converted = _scratch.AsSpan(planes, planes);
            ColorConversion.BgrToJ420(pixels, width, height, width * 3, converted, width);
            actual = converted;
        }

        return ImageQuality.Psnr(expected, width, actual, width, width, height);
    }

    /// <summary>Lossless codecs must give back the exact pixels; lossy ones at least <paramref name="minimumDb"/>. Null when it passes; otherwise why not.</summary>
    public static string? Judge(in FrameInfo header, double psnr, double minimumDb)
    {
        bool lossless = header.Codec is Codec.Png or Codec.Bmp;
        if (lossless ? double.IsPositiveInfinity(psnr) : psnr >= minimumDb)
        {
            return null;
        }

        return $"stream {header.StreamId} frame {header.Sequence}: PSNR {psnr:0.00} dB "
               + (lossless ? $"but {CodecNames.Name(header.Codec)} is lossless" : $"below --min-psnr {minimumDb} dB");
    }
}
