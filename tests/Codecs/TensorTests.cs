using System.Runtime.InteropServices;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Codecs;

/// <summary>Frames to model-ready tensors: geometry, letterbox parameters, layouts, element types, every raw layout, and JPEG against raw.</summary>
public sealed class TensorTests
{
    private static FrameHeader Raw(PixelFormat format, int width, int height, int stride = 0) =>
        FrameHeader.ForRaw(format, width, height, stride, 0, 0, 0);

    private static FrameHeader Jpeg(int width, int height) => new(Codec.Jpeg, PixelFormat.Bgr24, FrameFlags.None, 0, width, height, 0, 0, 0, 0);

    private static (byte[] Tensor, Letterbox Box) Convert(in FrameHeader header, byte[] payload, TensorSpec spec)
    {
        using var codecs = new CodecPool();
        using var preprocessor = new TensorPreprocessor(codecs);
        byte[] tensor = new byte[spec.ByteCount];
        Letterbox box = preprocessor.Convert(header, payload, spec, tensor);
        return (tensor, box);
    }

    private static float[] Floats(byte[] tensor) => MemoryMarshal.Cast<byte, float>(tensor).ToArray();

    [Fact]
    public void Letterbox_A1080pFrameFor640x640_Is640x360WithBordersOf140()
    {
        TensorPlacement place = TensorPlacement.Compute(1920, 1080, new TensorSpec(640, 640));
        place.Should().Be(new TensorPlacement(0, 0, 1920, 1080, 0, 140, 640, 360));
        Letterbox box = place.Letterbox(1920, 1080);
        (box.ScaleX, box.ScaleY, box.OffsetX, box.OffsetY).Should().Be((1 / 3f, 1 / 3f, 0f, 140f));
        box.ToSource(320, 320).Should().Be((960f, 540f), "the tensor's centre is the frame's centre");
        box.ToTensor(1920, 1080).Should().Be((640f, 500f));
    }

    [Fact]
    public void Letterbox_APortraitFrame_GetsBordersLeftAndRight()
    {
        TensorPlacement place = TensorPlacement.Compute(1080, 1920, new TensorSpec(640, 640));
        place.Should().Be(new TensorPlacement(0, 0, 1080, 1920, 140, 0, 360, 640));
    }

    [Fact]
    public void Stretch_FillsTheTensor_WithTwoScales()
    {
        Letterbox box = TensorPlacement.Compute(1920, 1080, new TensorSpec(640, 640) { Fit = TensorFit.Stretch }).Letterbox(1920, 1080);
        (box.ScaleX, box.ScaleY, box.OffsetX, box.OffsetY).Should().Be((1 / 3f, 640 / 1080f, 0f, 0f));
    }

    [Fact]
    public void CenterCrop_CutsTheSides_AndTheOffsetSaysWhere()
    {
        TensorPlacement place = TensorPlacement.Compute(1920, 1080, new TensorSpec(640, 640) { Fit = TensorFit.CenterCrop });
        place.Should().Be(new TensorPlacement(420, 0, 1080, 1080, 0, 0, 640, 640));
        Letterbox box = place.Letterbox(1920, 1080);
        box.ToSource(0, 0).X.Should().BeApproximately(420, 0.01f);
        box.ToSource(640, 640).X.Should().BeApproximately(1500, 0.01f);
    }

    [Theory]
    [InlineData(1920, 1080, 640, 360, 1, 2)]   // 960x540 covers 640x360, 480x270 does not
    [InlineData(1920, 1080, 320, 180, 1, 4)]   // 480x270 covers 320x180
    [InlineData(1920, 1080, 224, 126, 1, 8)]   // 240x135 covers 224x126
    [InlineData(320, 240, 640, 480, 1, 1)]     // upscaling: decoded whole
    public void TheJpegScale_IsTheSmallestPowerOfTwoThatCoversTheContent(int width, int height, int contentWidth, int contentHeight, int num, int denom) =>
        TensorPreprocessor.DecodeScale(width, height, contentWidth, contentHeight).Should().Be((num, denom));

    [Fact]
    public void ASolidFrame_GivesItsColourInsideAndThePadValueOutside_InEveryLayoutAndType()
    {
        // (b, g, r) = (10, 20, 30) everywhere, 64x32 into 32x32: content 32x16 at y = 8.
        byte[] pixels = [.. Enumerable.Repeat<byte[]>([10, 20, 30], 64 * 32).SelectMany(pixel => pixel)];
        var spec = new TensorSpec(32, 32);
        float[] chw = Floats(Convert(Raw(PixelFormat.Bgr24, 64, 32), pixels, spec).Tensor);
        for (int c = 0; c < 3; c++)
        {
            float colour = new[] { 30, 20, 10 }[c] / 255f;
            chw.AsSpan(c * 1024, 8 * 32).ToArray().Should().AllBeEquivalentTo(114 / 255f, "rows above the content are border");
            chw.AsSpan((c * 1024) + (8 * 32), 16 * 32).ToArray().Should().AllBeEquivalentTo(colour, "RGB order: plane 0 is red");
            chw.AsSpan((c * 1024) + (24 * 32), 8 * 32).ToArray().Should().AllBeEquivalentTo(114 / 255f);
        }

        float[] hwc = Floats(Convert(Raw(PixelFormat.Bgr24, 64, 32), pixels, spec with { Layout = TensorLayout.Hwc, Order = ChannelOrder.Bgr }).Tensor);
        hwc.AsSpan(10 * 32 * 3, 3).ToArray().Should().Equal(10 / 255f, 20 / 255f, 30 / 255f);
        hwc.AsSpan(0, 3).ToArray().Should().Equal(114 / 255f, 114 / 255f, 114 / 255f);

        byte[] bytesChw = Convert(Raw(PixelFormat.Bgr24, 64, 32), pixels, spec with { Element = TensorElement.UInt8, PadValue = 0 }).Tensor;
        (bytesChw[0], bytesChw[(8 * 32) + 5], bytesChw[1024 + (8 * 32)], bytesChw[2048 + (20 * 32) + 31]).Should().Be((0, 30, 20, 10));
        byte[] bytesHwc = Convert(Raw(PixelFormat.Bgr24, 64, 32), pixels, spec with { Element = TensorElement.UInt8, Layout = TensorLayout.Hwc }).Tensor;
        bytesHwc.AsSpan(((9 * 32) + 3) * 3, 3).ToArray().Should().Equal(30, 20, 10);
        bytesHwc.AsSpan(0, 3).ToArray().Should().Equal(114, 114, 114);
    }

    [Fact]
    public void MeanAndStd_AreAppliedPerChannel_ToContentAndBorder()
    {
        byte[] pixels = [.. Enumerable.Repeat<byte[]>([10, 20, 30], 16 * 16).SelectMany(pixel => pixel)];
        var spec = new TensorSpec(16, 32) { Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f] };
        float[] tensor = Floats(Convert(Raw(PixelFormat.Bgr24, 16, 16), pixels, spec).Tensor);
        tensor[16 * 16].Should().BeApproximately(((30 / 255f) - 0.485f) / 0.229f, 1e-5f);
        tensor[(2 * 512) + (16 * 16)].Should().BeApproximately(((10 / 255f) - 0.406f) / 0.225f, 1e-5f);
        tensor[512].Should().BeApproximately(((114 / 255f) - 0.456f) / 0.224f, 1e-5f, "the border is normalised too");
    }

    [Theory]
    [InlineData(PixelFormat.Bgr24)]
    [InlineData(PixelFormat.Rgb24)]
    [InlineData(PixelFormat.Bgra32)]
    [InlineData(PixelFormat.J420)]
    [InlineData(PixelFormat.I420)]
    [InlineData(PixelFormat.Nv12)]
    public void EveryRawLayout_GivesTheSameTensorAsBgr24(PixelFormat format)
    {
        // A smooth picture in each layout (converted with the codecs' own BGR conversions where one exists), with a stride.
        const int width = 96;
        const int height = 64;
        byte[] bgr = TestImages.Smooth(width, height);
        var spec = new TensorSpec(48, 48);
        float[] expected = Floats(Convert(Raw(PixelFormat.Bgr24, width, height), bgr, spec).Tensor);
        (FrameHeader header, byte[] payload) = Layout(format, bgr, width, height);
        float[] actual = Floats(Convert(header, payload, spec).Tensor);
        double tolerance = format is PixelFormat.J420 or PixelFormat.I420 or PixelFormat.Nv12 ? 12 / 255.0 : 1e-6;
        actual.Zip(expected, (a, e) => (double)Math.Abs(a - e)).Average().Should().BeLessThan(format is PixelFormat.J420 or PixelFormat.I420 or PixelFormat.Nv12 ? 3 / 255.0 : 1e-6);
        actual.Zip(expected, (a, e) => (double)Math.Abs(a - e)).Max().Should().BeLessThan(tolerance);
    }

    [Fact]
    public void AGrayFrame_FillsAllThreeChannels()
    {
        // 20 pixels of 77 and 4 bytes of row padding (0), 10 rows.
        byte[] gray = [.. Enumerable.Range(0, 24 * 10).Select(at => at % 24 < 20 ? (byte)77 : (byte)0)];
        float[] tensor = Floats(Convert(Raw(PixelFormat.Gray8, 20, 10, 24), gray, new TensorSpec(20, 10)).Tensor);
        tensor.Should().AllBeEquivalentTo(77 / 255f);
    }

    [Fact]
    public void AJpegFrame_GivesTheRawFramesTensor_WithinTheStatedTolerance()
    {
        // 1080p at q95: the scaled (1/2) decode and the scaler against the raw frame's path.
        byte[] bgr = TestImages.Smooth(1920, 1080);
        using var encoder = new JpegEncoder(95, ChromaSubsampling.S420);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(1920, 1080)];
        int length = encoder.Encode(bgr, 1920, 1080, 1920 * 3, jpeg);
        var spec = new TensorSpec(640, 640);
        float[] fromRaw = Floats(Convert(Raw(PixelFormat.Bgr24, 1920, 1080), bgr, spec).Tensor);
        (byte[] tensor, Letterbox box) = Convert(Jpeg(1920, 1080), jpeg[..length], spec);
        float[] fromJpeg = Floats(tensor);
        box.Should().Be(new Letterbox(1 / 3f, 1 / 3f, 0, 140, 1920, 1080));
        double mse = fromRaw.Zip(fromJpeg, (a, b) => Math.Pow((a - b) * 255, 2)).Average();
        (10 * Math.Log10(255 * 255 / mse)).Should().BeGreaterThan(40, "PSNR of the JPEG path against the raw path, in dB");
    }

    [Fact]
    public void ACorruptJpeg_IsACorruptFrame_AndAGeometryMismatchSaysBoth()
    {
        var act = () => Convert(Jpeg(64, 64), [0xFF, 0xD8, 1, 2, 3], new TensorSpec(32, 32));
        act.Should().Throw<CorruptFrameException>();
        byte[] bgr = TestImages.Smooth(64, 48);
        using var encoder = new JpegEncoder();
        byte[] jpeg = new byte[encoder.MaxEncodedSize(64, 48)];
        int length = encoder.Encode(bgr, 64, 48, 64 * 3, jpeg);
        act = () => Convert(Jpeg(64, 64), jpeg[..length], new TensorSpec(32, 32));
        act.Should().Throw<CorruptFrameException>().WithMessage("*64x48*64x64*");
    }

    [Fact]
    public void TheSpec_ParsesSizes_AndRejectsWhatCannotBeMade()
    {
        TensorSpec.Parse("640x384").Should().Be(new TensorSpec(640, 384));
        TensorSpec.Parse("640x384").Describe().Should().Be("640x384 letterbox rgb chw float32");
        var parse = () => TensorSpec.Parse("640");
        parse.Should().Throw<FormatException>().WithMessage("*WIDTHxHEIGHT*");
        parse = () => TensorSpec.Parse("0x10");
        parse.Should().Throw<FormatException>();
        var validate = () => new TensorSpec(8, 8) { Element = TensorElement.UInt8, Mean = [0, 0, 0] }.Validate();
        validate.Should().Throw<ArgumentException>().WithMessage("*float32*");
        validate = () => new TensorSpec(8, 8) { Std = [1, 0, 1] }.Validate();
        validate.Should().Throw<ArgumentException>().WithMessage("*positive*");
        new TensorSpec(640, 640).Shape.Should().Equal(3, 640, 640);
        new TensorSpec(640, 480) { Layout = TensorLayout.Hwc }.Shape.Should().Equal(480, 640, 3);
    }

    private static (FrameHeader Header, byte[] Payload) Layout(PixelFormat format, byte[] bgr, int width, int height)
    {
        switch (format)
        {
            case PixelFormat.Bgr24:
            {
                int stride = (width * 3) + 8;
                byte[] payload = new byte[stride * height];
                for (int y = 0; y < height; y++)
                {
                    bgr.AsSpan(y * width * 3, width * 3).CopyTo(payload.AsSpan(y * stride));
                }

                return (Raw(format, width, height, stride), payload);
            }

            case PixelFormat.Rgb24:
                return (Raw(format, width, height), [.. bgr.Chunk(3).SelectMany(p => new[] { p[2], p[1], p[0] })]);
            case PixelFormat.Bgra32:
                return (Raw(format, width, height), [.. bgr.Chunk(3).SelectMany(p => new byte[] { p[0], p[1], p[2], 255 })]);
            default:
            {
                byte[] j420 = new byte[PixelLayout.RawPayloadSize(PixelFormat.J420, width, height, width)];
                ColorConversion.BgrToJ420(bgr, width, height, width * 3, j420, width);
                if (format == PixelFormat.J420)
                {
                    return (Raw(format, width, height), j420);
                }

                // I420 is limited range: Y' = 16 + Y * 219 / 255, chroma 16 + (C - 128) * 224 / 255 + 112 about 128.
                int luma = width * height;
                byte[] i420 = [.. j420.Select((value, at) => at < luma
                    ? (byte)Math.Round(16 + (value * 219 / 255.0))
                    : (byte)Math.Round(128 + ((value - 128) * 224 / 255.0)))];
                if (format == PixelFormat.I420)
                {
                    return (Raw(format, width, height), i420);
                }

                int chroma = luma / 4;
                byte[] nv12 = new byte[luma + (2 * chroma)];
                i420.AsSpan(0, luma).CopyTo(nv12);
                for (int i = 0; i < chroma; i++)
                {
                    nv12[luma + (2 * i)] = i420[luma + i];
                    nv12[luma + (2 * i) + 1] = i420[luma + chroma + i];
                }

                return (Raw(format, width, height), nv12);
            }
        }
    }
}
