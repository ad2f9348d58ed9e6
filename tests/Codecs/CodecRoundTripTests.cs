using System.Diagnostics;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Codecs;

/// <summary>Each codec against the original pixels; the native libraries are installed by scripts/setup.sh and must be present.</summary>
public sealed class CodecRoundTripTests
{
    private const int Width = 640;
    private const int Height = 360;

    [Fact]
    public void NativeLibraries_AreAllInstalled_SoCodecTestsNeverSkip() =>
        NativeCodecs.Missing.Should().BeEmpty(NativeCodecs.DescribeMissing());

    [Theory]
    [InlineData(80, ChromaSubsampling.S420, 36)]
    [InlineData(95, ChromaSubsampling.S444, 42)]
    [InlineData(50, ChromaSubsampling.S422, 33)]
    public void Jpeg_RoundTrip_MeetsPsnr(int quality, ChromaSubsampling subsampling, double minimumDb)
    {
        byte[] original = TestImages.Smooth(Width, Height, stride: 2000);
        using var encoder = new JpegEncoder(quality, subsampling);
        byte[] jpeg = new byte[JpegEncoder.MaxEncodedSize(Width, Height, subsampling)];
        int length = encoder.EncodeBgr(original, Width, Height, 2000, jpeg);
        using var decoder = new JpegDecoder();
        byte[] decoded = new byte[Width * Height * 3];

        decoder.DecodeToBgr(jpeg.AsSpan(0, length), decoded, Width, Height, Width * 3);

        decoder.ReadHeader(jpeg.AsSpan(0, length)).Should().Be((Width, Height, subsampling));
        ImageQuality.Psnr(original, 2000, decoded, Width * 3, Width * 3, Height).Should().BeGreaterThan(minimumDb);
    }

    [Fact]
    public void FastJpegDecode_OnSmoothGradients_LosesLessThanFourDecibels()
    {
        byte[] original = TestImages.Smooth(Width, Height);
        using var encoder = new JpegEncoder(80);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(Width, Height)];
        int length = encoder.EncodeBgr(original, Width, Height, Width * 3, jpeg);
        using var accurate = new JpegDecoder();
        using var fast = new JpegDecoder(fast: true);
        byte[] accurateBgr = new byte[Width * Height * 3];
        byte[] fastBgr = new byte[Width * Height * 3];

        accurate.DecodeToBgr(jpeg.AsSpan(0, length), accurateBgr, Width, Height, Width * 3);
        fast.DecodeToBgr(jpeg.AsSpan(0, length), fastBgr, Width, Height, Width * 3);

        fastBgr.Should().NotEqual(accurateBgr, "the fast path is a different IDCT and upsampler");
        double accurateDb = ImageQuality.Psnr(original, Width * 3, accurateBgr, Width * 3, Width * 3, Height);
        double fastDb = ImageQuality.Psnr(original, Width * 3, fastBgr, Width * 3, Width * 3, Height);
        // Smooth gradients are the fast upsampler's worst case (48.1 -> 44.9 dB here); a 1080p photo loses 0.9 dB.
        fastDb.Should().BeInRange(accurateDb - 4, accurateDb);
    }

    [Fact]
    public void YuvJpeg_FromBgr_DecodesToBgrAndToPlanes()
    {
        byte[] original = TestImages.Smooth(Width, Height);
        byte[] jpeg = EncodeYuvJpeg(original, out int length);
        using var decoder = new JpegDecoder();
        byte[] bgr = new byte[Width * Height * 3];
        byte[] planes = new byte[Width * Height * 3 / 2];

        decoder.DecodeToBgr(jpeg.AsSpan(0, length), bgr, Width, Height, Width * 3);
        decoder.DecodeToJ420(jpeg.AsSpan(0, length), planes, Width, Height);

        ImageQuality.Psnr(original, Width * 3, bgr, Width * 3, Width * 3, Height).Should().BeGreaterThan(36);
        // Re-encoding the decoded planes gives the same image again: the planes are the JPEG's own J420.
        using var encoder = new YuvJpegEncoder(95);
        byte[] again = new byte[encoder.MaxEncodedSize(Width, Height)];
        int againLength = encoder.EncodeJ420(planes, Width, Height, Width, again);
        byte[] bgrAgain = new byte[Width * Height * 3];
        decoder.DecodeToBgr(again.AsSpan(0, againLength), bgrAgain, Width, Height, Width * 3);
        ImageQuality.Psnr(bgr, Width * 3, bgrAgain, Width * 3, Width * 3, Height).Should().BeGreaterThan(40);
    }

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public void YuvJpeg_DecodedByFfmpeg_MatchesOurDecoderWithinOneDb()
    {
        byte[] original = TestImages.Smooth(Width, Height);
        byte[] originalPlanes = new byte[Width * Height * 3 / 2];
        ColorConversion.BgrToJ420(original, Width, Height, Width * 3, originalPlanes, Width);
        byte[] jpeg = EncodeYuvJpeg(original, out int length);
        using var decoder = new JpegDecoder();
        byte[] ourPlanes = new byte[originalPlanes.Length];
        decoder.DecodeToJ420(jpeg.AsSpan(0, length), ourPlanes, Width, Height);
        byte[] ourBgr = new byte[Width * Height * 3];
        decoder.DecodeToBgr(jpeg.AsSpan(0, length), ourBgr, Width, Height, Width * 3);

        // ffmpeg's own MJPEG decoder, not libjpeg: once to full-range 4:2:0 planes, once to BGR.
        byte[] theirPlanes = DecodeWithFfmpeg(jpeg[..length], "yuvj420p");
        byte[] theirBgr = DecodeWithFfmpeg(jpeg[..length], "bgr24");

        double ours = ImageQuality.Psnr(originalPlanes, Width, ourPlanes, Width, Width, Height * 3 / 2);
        double theirs = ImageQuality.Psnr(originalPlanes, Width, theirPlanes, Width, Width, Height * 3 / 2);
        theirs.Should().BeApproximately(ours, 1.0, "an ordinary JPEG decoder must read YUV-JPEG's planes as ours does");
        ours.Should().BeGreaterThan(40);
        // Converted to BGR the decoders differ only in how they upsample chroma.
        ImageQuality.Psnr(original, Width * 3, theirBgr, Width * 3, Width * 3, Height).Should().BeGreaterThan(40);
        ImageQuality.Psnr(original, Width * 3, ourBgr, Width * 3, Width * 3, Height).Should().BeGreaterThan(40);
    }

    private static byte[] DecodeWithFfmpeg(byte[] jpeg, string pixelFormat)
    {
        string folder = Directory.CreateTempSubdirectory("rawframes-ffmpeg-").FullName;
        string jpegPath = Path.Combine(folder, "frame.jpg");
        string rawPath = Path.Combine(folder, "frame.raw");
        File.WriteAllBytes(jpegPath, jpeg);
        using Process ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-v", "error", "-y", "-i", jpegPath, "-f", "rawvideo", "-pix_fmt", pixelFormat, rawPath])
        {
            RedirectStandardError = true,
        })!;
        ffmpeg.WaitForExit(60_000).Should().BeTrue();
        ffmpeg.ExitCode.Should().Be(0, ffmpeg.StandardError.ReadToEnd());
        byte[] raw = File.ReadAllBytes(rawPath);
        Directory.Delete(folder, recursive: true);
        return raw;
    }

    [Fact]
    public void Png_RoundTrip_IsLossless()
    {
        byte[] original = TestImages.Smooth(Width, Height, stride: 1930);
        using var codec = new PngCodec(compressionLevel: 3);
        byte[] png = new byte[codec.MaxEncodedSize(Width, Height)];
        int length = codec.EncodeBgr(original, Width, Height, 1930, png);
        byte[] decoded = new byte[Width * Height * 3];

        codec.DecodeToBgr(png.AsSpan(0, length), decoded, Width, Height, Width * 3);

        png.AsSpan(1, 3).ToArray().Should().Equal("PNG"u8.ToArray());
        ImageQuality.Psnr(original, 1930, decoded, Width * 3, Width * 3, Height).Should().Be(double.PositiveInfinity);
    }

    [Theory]
    [InlineData(1, 1000, 1000)] // the bench's noise frames: level 1 expands them past a stored-block bound
    [InlineData(6, Width, Height)]
    [InlineData(9, Width, Height)]
    public void Png_OfNoise_FitsTheWorstCaseBuffer(int level, int width, int height)
    {
        byte[] noise = new byte[width * height * 3];
        new Random(7).NextBytes(noise);
        using var codec = new PngCodec(compressionLevel: level);
        byte[] png = new byte[codec.MaxEncodedSize(width, height)];

        int length = codec.EncodeBgr(noise, width, height, width * 3, png);

        length.Should().BeGreaterThan(noise.Length * 9 / 10, "noise does not compress");
    }

    [Fact]
    public void Bmp_RoundTrip_IsExact_AndOddWidthsArePadded()
    {
        const int oddWidth = 101;
        byte[] original = TestImages.Smooth(oddWidth, 37, stride: 320);
        byte[] bmp = new byte[BmpCodec.EncodedSize(oddWidth, 37)];
        int length = BmpCodec.EncodeBgr(original, oddWidth, 37, 320, bmp);
        byte[] decoded = new byte[oddWidth * 37 * 3];

        BmpCodec.DecodeToBgr(bmp.AsSpan(0, length), decoded, oddWidth, 37, oddWidth * 3);

        length.Should().Be(54 + (304 * 37));
        ImageQuality.Psnr(original, 320, decoded, oddWidth * 3, oddWidth * 3, 37).Should().Be(double.PositiveInfinity);
    }

    private static byte[] EncodeYuvJpeg(byte[] original, out int length)
    {
        using var encoder = new YuvJpegEncoder(80);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(Width, Height)];
        length = encoder.EncodeBgr(original, Width, Height, Width * 3, jpeg);
        return jpeg;
    }
}
