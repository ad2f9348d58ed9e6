using System.Runtime.InteropServices;
using System.Text;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Codecs;

/// <summary>
/// The tensor RawFrames makes of a JPEG against the one the cv2 pipeline Python consumers run today makes of the same bytes (Debian's real
/// python3-opencv running bench/baselines/cv2_model_input.py): the same geometry, the same border to the bit, and the
/// picture within the tolerance the README states (PSNR above 35 dB, mean difference under 2 of 255).
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class TensorAgainstOpenCvTests
{
    [Theory]
    [InlineData(640, 640)]
    [InlineData(320, 320)]
    public async Task TheTensor_MatchesTheCv2Pipeline_OnTheSameJpeg(int width, int height)
    {
        byte[] bgr = TestImages.Smooth(1920, 1080);
        using var encoder = new JpegEncoder(80, ChromaSubsampling.S420);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(1920, 1080)];
        int length = encoder.Encode(bgr, 1920, 1080, 1920 * 3, jpeg);
        string directory = Directory.CreateTempSubdirectory("rawframes-tensor-").FullName;
        try
        {
            string jpegPath = Path.Combine(directory, "frame.jpg");
            string npyPath = Path.Combine(directory, "cv2.npy");
            await File.WriteAllBytesAsync(jpegPath, jpeg[..length]);
            await Commands.RunAsync("/usr/bin/python3", Path.Combine(ReadmeCode.RepositoryRoot(), "bench", "baselines", "cv2_model_input.py"),
                "measure", jpegPath, $"{width}x{height}", "1", "--save", npyPath);
            float[] expected = ReadNpyFloats(await File.ReadAllBytesAsync(npyPath), out string shape);
            shape.Should().Be($"(1, 3, {height}, {width})");

            var spec = new TensorSpec(width, height);
            using var codecs = new CodecPool();
            using var preprocessor = new TensorPreprocessor(codecs);
            byte[] tensor = new byte[spec.ByteCount];
            preprocessor.Convert(new FrameHeader(Codec.Jpeg, PixelFormat.Bgr24, FrameFlags.None, 0, 1920, 1080, 0, 0, 0, 0), jpeg.AsSpan(0, length), spec, tensor);
            float[] actual = MemoryMarshal.Cast<byte, float>(tensor).ToArray();

            int border = width * (height - (height * 1080 / 1920)) / 2;
            actual.AsSpan(0, border).ToArray().Should().Equal(expected.AsSpan(0, border).ToArray(), "the top border is 114 / 255 in both");
            double[] difference = [.. actual.Zip(expected, (a, e) => (double)Math.Abs(a - e) * 255)];
            double psnr = 10 * Math.Log10(255.0 * 255.0 / difference.Average(d => d * d));
            psnr.Should().BeGreaterThan(35);
            difference.Average().Should().BeLessThan(2);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A little-endian float32 .npy (format 1.0): the header's shape, and the values.</summary>
    private static float[] ReadNpyFloats(byte[] file, out string shape)
    {
        Encoding.ASCII.GetString(file, 1, 5).Should().Be("NUMPY");
        int headerLength = BitConverter.ToUInt16(file, 8);
        string header = Encoding.ASCII.GetString(file, 10, headerLength);
        header.Should().Contain("'descr': '<f4'").And.Contain("'fortran_order': False");
        int start = header.IndexOf("'shape': ", StringComparison.Ordinal) + 9;
        shape = header[start..(header.IndexOf(')', start) + 1)];
        return MemoryMarshal.Cast<byte, float>(file.AsSpan(10 + headerLength)).ToArray();
    }
}
