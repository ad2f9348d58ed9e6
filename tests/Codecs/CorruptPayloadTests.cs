using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Codecs;

public sealed class CorruptPayloadTests
{
    private const int Width = 320;
    private const int Height = 240;

    [Fact]
    public void Jpeg_TruncatedOrGarbage_ThrowsCorruptFrame_AndTheDecoderKeepsWorking()
    {
        byte[] original = TestImages.Smooth(Width, Height);
        using var encoder = new JpegEncoder();
        byte[] jpeg = new byte[JpegEncoder.MaxEncodedSize(Width, Height, ChromaSubsampling.S420)];
        int length = encoder.EncodeBgr(original, Width, Height, Width * 3, jpeg);
        using var decoder = new JpegDecoder();
        byte[] output = new byte[Width * Height * 3];
        byte[] garbage = new byte[5000];
        new Random(3).NextBytes(garbage);

        FluentActions.Invoking(() => decoder.DecodeToBgr(jpeg.AsSpan(0, length / 2), output, Width, Height, Width * 3))
            .Should().Throw<CorruptFrameException>();
        FluentActions.Invoking(() => decoder.DecodeToBgr(garbage, output, Width, Height, Width * 3))
            .Should().Throw<CorruptFrameException>().WithMessage("*JPEG*");
        FluentActions.Invoking(() => decoder.DecodeToBgr(jpeg.AsSpan(0, length), new byte[100], Width, Height, Width * 3))
            .Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => decoder.DecodeToBgr(jpeg.AsSpan(0, length), new byte[Width * 2 * Height * 3], Width * 2, Height, Width * 6))
            .Should().Throw<CorruptFrameException>().WithMessage("*320x240*640x240*");

        decoder.DecodeToBgr(jpeg.AsSpan(0, length), output, Width, Height, Width * 3);
        ImageQuality.Psnr(original, Width * 3, output, Width * 3, Width * 3, Height).Should().BeGreaterThan(30);
    }

    [Fact]
    public void PngAndBmp_Garbage_ThrowCorruptFrame()
    {
        using var png = new PngCodec();
        byte[] output = new byte[Width * Height * 3];
        byte[] garbage = new byte[1000];
        new Random(5).NextBytes(garbage);

        FluentActions.Invoking(() => png.DecodeToBgr(garbage, output, Width, Height, Width * 3)).Should().Throw<CorruptFrameException>();
        FluentActions.Invoking(() => BmpCodec.DecodeToBgr(garbage, output, Width, Height, Width * 3)).Should().Throw<CorruptFrameException>();
        byte[] bmp = new byte[BmpCodec.EncodedSize(Width, Height)];
        BmpCodec.EncodeBgr(TestImages.Smooth(Width, Height), Width, Height, Width * 3, bmp);
        FluentActions.Invoking(() => BmpCodec.DecodeToBgr(bmp.AsSpan(0, bmp.Length - 100), output, Width, Height, Width * 3))
            .Should().Throw<CorruptFrameException>().WithMessage("*run past*");
    }

    [Fact]
    public void Psnr_MatchesTheTextbookFormula()
    {
        var random = new Random(9);
        byte[] a = new byte[1000 * 7];
        byte[] b = new byte[1000 * 7];
        random.NextBytes(a);
        random.NextBytes(b);
        double sum = 0;
        for (int y = 0; y < 7; y++)
        {
            for (int x = 0; x < 999; x++)
            {
                double d = a[(y * 1000) + x] - b[(y * 1000) + x];
                sum += d * d;
            }
        }

        double expected = 10 * Math.Log10(255.0 * 255.0 / (sum / (999 * 7)));

        ImageQuality.Psnr(a, 1000, b, 1000, 999, 7).Should().BeApproximately(expected, 1e-9);
        ImageQuality.Psnr(a, 1000, a, 1000, 999, 7).Should().Be(double.PositiveInfinity);
    }

    [Fact]
    public void MissingLibrary_MessageNamesTheDebianPackage()
    {
        var library = new RawFrames.Codecs.Interop.NativeLibraryInfo("turbojpeg", "libturbojpeg.so.0", "libturbojpeg0", "JPEG and YUV-JPEG");

        new CodecUnavailableException(library).Message.Should()
            .Be("libturbojpeg.so.0 not found: JPEG and YUV-JPEG unavailable; install it with: apt-get install libturbojpeg0");
    }
}
