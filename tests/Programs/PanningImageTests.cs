using RawFrames.Codecs;
using RawFrames.Programs.Sources;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Programs;

public sealed class PanningImageTests
{
    [Theory]
    [InlineData("jpg")]
    [InlineData("png")]
    [InlineData("bmp")]
    public void Load_AnyFormat_PansOneRowPerFrameAndBack(string format)
    {
        const int width = 40;
        const int height = 300;
        byte[] bgr = TestImages.Smooth(width, height);
        string path = Path.Combine(Directory.CreateTempSubdirectory("rawframes-image-").FullName, "photo." + format);
        File.WriteAllBytes(path, Encode(format, bgr, width, height));

        PanningImage image = PanningImage.Load(path);

        (image.Width, image.Height, image.Stride).Should().Be((width, height - PanningImage.PanPixels, width * 3));
        image.Frame(0).Length.Should().Be(width * 3 * image.Height, "frames are packed rows");
        image.Frame(1).Span[..(width * 3)].ToArray().Should().Equal(image.Frame(0).Span[(width * 3)..(width * 6)].ToArray(), "frame 1 is frame 0 one row further down");
        image.Frame(PanningImage.PanPixels).Span[0].Should().Be(image.Frame(PanningImage.PanPixels).Span[0]);
        image.Frame(2 * PanningImage.PanPixels).Span.SequenceEqual(image.Frame(0).Span).Should().BeTrue("the pan comes back");
        image.Frame(PanningImage.PanPixels + 1).Span.SequenceEqual(image.Frame(PanningImage.PanPixels - 1).Span).Should().BeTrue();
        if (format != "jpg")
        {
            ImageQuality.Psnr(bgr, width * 3, image.Frame(0).Span, image.Stride, image.Width * 3, image.Height).Should().Be(double.PositiveInfinity);
        }
    }

    [Fact]
    public void Load_NotAnImage_SaysWhichFormatsWork()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "hello");

        FluentActions.Invoking(() => PanningImage.Load(path)).Should().Throw<FormatException>().WithMessage("*JPEG, PNG, BMP or binary PPM*");
    }

    private static byte[] Encode(string format, byte[] bgr, int width, int height)
    {
        using IFrameEncoder encoder = format switch
        {
            "jpg" => new JpegEncoder(95),
            "png" => new PngCodec(),
            _ => new BmpEncoder(),
        };
        byte[] output = new byte[encoder.MaxEncodedSize(width, height)];
        int length = encoder.Encode(bgr, width, height, width * 3, output);
        return output[..length];
    }
}
