using System.Text.Json;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>rawframes-recv --model: every frame, raw or JPEG, becomes the model input asked for; --stdout writes them back to back.</summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class ModelProcessTests
{
    [Fact]
    public async Task RawFrames_BecomeLetterboxedRgbChwFloats_ByDefault_AndTheSummaryNamesTheGeometry()
    {
        string output = Path.Combine(Path.GetTempPath(), $"rawframes-model-{Guid.NewGuid():N}.f32");
        try
        {
            using var receiver = ProgramProcess.StartPiped("rawframes-recv", $"cat > '{output}'",
                "--listen", "tcp://127.0.0.1:0", "--once", "--model", "64x64", "--stdout", "--json", "--quiet");
            string endpoint = await receiver.ListeningEndpointAsync();
            using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:160x90", "--frames", "12", "--json", "--quiet");

            (int sendExit, _) = await sender.WaitForSummaryAsync();
            (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

            sendExit.Should().Be(0, sender.Stderr);
            recvExit.Should().Be(0, receiver.Stderr);
            JsonElement model = received.GetProperty("model");
            (model.GetProperty("width").GetInt32(), model.GetProperty("height").GetInt32(), model.GetProperty("fit").GetString(),
                model.GetProperty("order").GetString(), model.GetProperty("layout").GetString(), model.GetProperty("type").GetString(),
                model.GetProperty("pixel_format").GetString()).Should().Be((64, 64, "letterbox", "rgb", "chw", "float32", "RGB_F32_CHW"));
            model.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).Should().Equal(3, 64, 64);
            received.GetProperty("decoded").GetInt64().Should().Be(12);
            received.GetProperty("stdout_frames").GetInt64().Should().Be(12);
            receiver.Stderr.Should().Contain("numpy.frombuffer(sys.stdin.buffer.read(49152), numpy.float32).reshape(3, 64, 64)");

            // Frame 0 of the pattern through the library gives the first tensor, byte for byte.
            byte[] written = await File.ReadAllBytesAsync(output);
            written.Length.Should().Be(12 * 3 * 64 * 64 * 4);
            byte[] expected = new byte[3 * 64 * 64 * 4];
            using var codecs = new CodecPool();
            using var preprocessor = new TensorPreprocessor(codecs);
            preprocessor.Convert(FrameHeader.ForRaw(PixelFormat.Bgr24, 160, 90, 0, 0, 0, 0), TestImages.PackedPattern(160, 90, 480, 1),
                new TensorSpec(64, 64), expected);
            written.AsSpan(0, expected.Length).ToArray().Should().Equal(expected);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task JpegFrames_BecomeTheTensorAskedFor_Uint8BgrHwcStretched()
    {
        string output = Path.Combine(Path.GetTempPath(), $"rawframes-model-{Guid.NewGuid():N}.u8");
        try
        {
            using var receiver = ProgramProcess.StartPiped("rawframes-recv", $"cat > '{output}'",
                "--listen", "tcp://127.0.0.1:0", "--once", "--model", "48x32", "--model-type", "uint8", "--model-layout", "hwc",
                "--model-order", "bgr", "--model-fit", "stretch", "--stdout", "--json", "--quiet");
            string endpoint = await receiver.ListeningEndpointAsync();
            using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--codec", "jpeg",
                "--frames", "10", "--json", "--quiet");

            (int sendExit, _) = await sender.WaitForSummaryAsync();
            (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

            sendExit.Should().Be(0, sender.Stderr);
            recvExit.Should().Be(0, receiver.Stderr);
            received.GetProperty("model").GetProperty("pixel_format").GetString().Should().Be("BGR24");
            received.GetProperty("model").GetProperty("fit").GetString().Should().Be("stretch");
            received.GetProperty("corrupt_frames").GetInt64().Should().Be(0);
            received.GetProperty("stdout_frames").GetInt64().Should().Be(10);
            receiver.Stderr.Should().Contain("numpy.uint8).reshape(32, 48, 3)");
            byte[] written = await File.ReadAllBytesAsync(output);
            written.Length.Should().Be(10 * 32 * 48 * 3);
            // The pattern's first frame, stretched: about the picture's own colours, not the grey border.
            byte[] first = TestImages.PackedPattern(320, 240, 960, 1);
            double meanSource = first.Average(b => (double)b);
            written.Take(32 * 48 * 3).Average(b => (double)b).Should().BeApproximately(meanSource, 6);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
