using System.Text.Json;
using RawFrames.Codecs;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Sender;

/// <summary>
/// rawframes-send's sources that read something outside the program: a clip through an ffmpeg child (the clip made by
/// ffmpeg itself in the test), a folder of images, and raw frames piped into stdin. What arrives is compared with what
/// went in, byte for byte where the path is lossless.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class SourceProcessTests : IDisposable
{
    private const int ClipFrames = 25;
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-sources-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task FfmpegSource_SendsEveryFrameOfAClip_ExactlyAsFfmpegDecodesIt()
    {
        string clip = await MakeClipAsync();
        byte[] expected = await DecodeWithFfmpegAsync(clip);
        string output = Path.Combine(_directory, "received.bgr");

        // No --fps: the clip's own 25 fps paces it.
        (JsonElement sent, JsonElement received) = await RunPairAsync(output, ["--source", $"ffmpeg:{clip}"], ["--stdout"]);

        sent.GetProperty("stopped_by").GetString().Should().Be("source", "the run ends with the clip");
        sent.GetProperty("width").GetInt32().Should().Be(160, "geometry comes from ffprobe");
        received.GetProperty("frames").GetInt64().Should().Be(ClipFrames);
        received.GetProperty("gaps").GetInt64().Should().Be(0);
        (await File.ReadAllBytesAsync(output)).Should().Equal(expected, "raw bgr24 frames straight from the ffmpeg child");
    }

    [Fact]
    public async Task FfmpegSource_WithYuvJpeg_EncodesTheChildsPlanesWithoutBgr()
    {
        string clip = await MakeClipAsync();
        byte[] expected = await DecodeWithFfmpegAsync(clip);
        string output = Path.Combine(_directory, "decoded.bgr");

        (JsonElement sent, JsonElement received) = await RunPairAsync(output,
            ["--source", $"ffmpeg:{clip}", "--fps", "0", "--codec", "yuv-jpeg", "--quality", "95"], ["--stdout", "--decode", "bgr"]);

        sent.GetProperty("frames").GetInt64().Should().Be(ClipFrames);
        received.GetProperty("corrupt_frames").GetInt64().Should().Be(0);
        byte[] decoded = await File.ReadAllBytesAsync(output);
        decoded.Length.Should().Be(expected.Length);
        for (int frame = 0; frame < ClipFrames; frame++)
        {
            LumaPsnr(decoded, expected, frame).Should().BeGreaterThan(38, $"frame {frame} is the clip's frame {frame}, JPEG-coded at quality 95");
        }
    }

    [Fact]
    public async Task FfmpegChild_EndsWithTheSender()
    {
        string clip = await MakeClipAsync();
        string output = Path.Combine(_directory, "looped.bgr");

        // Looped forever by ffmpeg: only the sender's --frames ends it.
        (JsonElement sent, _) = await RunPairAsync(output,
            ["--source", $"ffmpeg:{clip}", "--ffmpeg-options", "-stream_loop -1", "--fps", "0", "--frames", "60"], ["--stdout"]);

        sent.GetProperty("stopped_by").GetString().Should().Be("frames");
        (await File.ReadAllBytesAsync(output)).Length.Should().Be(60 * 160 * 120 * 3, "the loop went past the clip's 25 frames");
        ProcessesReading(clip).Should().BeEmpty("the ffmpeg child is killed when the sender ends");
    }

    [Fact]
    public async Task FfmpegSource_ThatCannotBeRead_IsAClearError()
    {
        using var sender = ProgramProcess.Start("rawframes-send", "--to", "tcp://127.0.0.1:9", "--source", $"ffmpeg:{Path.Combine(_directory, "missing.mp4")}", "--quiet");

        (await sender.WaitForExitAsync()).Should().Be(2);
        sender.Stderr.Should().Contain("ffprobe found no video stream in").And.Contain("missing.mp4");
    }

    [Fact]
    public async Task StdinSource_SendsPipedFrames_ThatTheReceiverVerifies()
    {
        string frames = Path.Combine(_directory, "pattern.bgr");
        await File.WriteAllBytesAsync(frames, TestImages.PackedPattern(64, 48, 64 * 3, 12));

        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--verify", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.StartFed($"cat '{frames}'", "rawframes-send", "--to", endpoint, "--source", "stdin:64x48", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("stopped_by").GetString().Should().Be("source", "end of input ends the run");
        received.GetProperty("frames").GetInt64().Should().Be(12);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0, "frame N on stdin is the pattern's frame N");
    }

    [Fact]
    public async Task StdinSource_EndingInsideAFrame_SaysSo_AndKeepsTheWholeFrames()
    {
        string frames = Path.Combine(_directory, "cut.bgr");
        byte[] whole = TestImages.PackedPattern(64, 48, 64 * 3, 4);
        await File.WriteAllBytesAsync(frames, whole.AsSpan(0, whole.Length - 1000).ToArray());

        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--verify", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.StartFed($"cat '{frames}'", "rawframes-send", "--to", endpoint, "--source", "stdin:64x48:bgr24", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(1, "a cut input is an error");
        sender.Stderr.Should().Contain("standard input ended in the middle of frame 3: 8216 of 9216 bytes");
        sent.GetProperty("stopped_by").GetString().Should().Be("source error");
        sent.GetProperty("confirmed").GetBoolean().Should().BeTrue("the frames before the cut still got a clean END");
        recvExit.Should().Be(0, receiver.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(3);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task FolderSource_SendsItsImagesInNameOrder_Looping()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_directory, "stills")).FullName;
        byte[][] images = [Still(0), Still(1), Still(2)];
        for (int i = 0; i < images.Length; i++)
        {
            WriteBmp(Path.Combine(folder, $"frame-{i:000}.bmp"), images[i], 40, 30);
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not an image: skipped");
        string output = Path.Combine(_directory, "folder.bgr");

        (JsonElement sent, _) = await RunPairAsync(output, ["--source", $"folder:{folder}", "--frames", "7"], ["--stdout"]);

        sent.GetProperty("frames").GetInt64().Should().Be(7);
        (await File.ReadAllBytesAsync(output)).Should().Equal(
            [.. images[0], .. images[1], .. images[2], .. images[0], .. images[1], .. images[2], .. images[0]]);
    }

    [Fact]
    public async Task FolderSource_WithAnImageOfAnotherSize_NamesIt()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_directory, "mixed")).FullName;
        WriteBmp(Path.Combine(folder, "a.bmp"), Still(0), 40, 30);
        WriteBmp(Path.Combine(folder, "b.bmp"), new byte[20 * 10 * 3], 20, 10);
        string output = Path.Combine(_directory, "mixed.bgr");

        using var receiver = ProgramProcess.StartPiped("rawframes-recv", $"cat > '{output}'", "--listen", "tcp://127.0.0.1:0", "--once", "--stdout", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", $"folder:{folder}", "--frames", "5", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(1);
        sender.Stderr.Should().Contain("b.bmp is 20x10, but").And.Contain("a.bmp set the stream's size to 40x30");
        sent.GetProperty("frames").GetInt64().Should().Be(1, "a.bmp went out before b.bmp was read");
    }

    private static async Task<(JsonElement Sent, JsonElement Received)> RunPairAsync(string output, string[] senderArguments, string[] receiverArguments)
    {
        using var receiver = ProgramProcess.StartPiped("rawframes-recv", $"cat > '{output}'",
            ["--listen", "tcp://127.0.0.1:0", "--once", "--json", "--quiet", .. receiverArguments]);
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", ["--to", endpoint, "--json", "--quiet", .. senderArguments]);

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();
        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        return (sent, received);
    }

    // One second of ffmpeg's test pattern at 25 fps, coded losslessly so the expected frames are exact.
    private async Task<string> MakeClipAsync()
    {
        string clip = Path.Combine(_directory, "testsrc2.mkv");
        await Commands.RunAsync("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size=160x120:rate=25:duration={ClipFrames / 25}",
            "-c:v", "ffv1", clip);
        return clip;
    }

    private async Task<byte[]> DecodeWithFfmpegAsync(string clip)
    {
        string expected = Path.Combine(_directory, "expected.bgr");
        await Commands.RunAsync("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", clip, "-f", "rawvideo", "-pix_fmt", "bgr24", expected);
        return await File.ReadAllBytesAsync(expected);
    }

    // Luma, as the verifier measures: TurboJPEG smooths chroma when it upsamples and ffmpeg does not, which on the
    // test pattern's sharp colour edges would measure the two upsamplers, not the path.
    private static double LumaPsnr(byte[] a, byte[] b, int frame)
    {
        const int Width = 160, Height = 120, FrameBytes = Width * Height * 3;
        byte[] planesA = new byte[Width * Height * 3 / 2];
        byte[] planesB = new byte[planesA.Length];
        ColorConversion.BgrToJ420(a.AsSpan(frame * FrameBytes, FrameBytes), Width, Height, Width * 3, planesA, Width);
        ColorConversion.BgrToJ420(b.AsSpan(frame * FrameBytes, FrameBytes), Width, Height, Width * 3, planesB, Width);
        return ImageQuality.Psnr(planesA, Width, planesB, Width, Width, Height);
    }

    private static string[] ProcessesReading(string path) =>
        Directory.EnumerateDirectories("/proc")
            .Select(directory => Path.Combine(directory, "cmdline"))
            .Select(file => File.Exists(file) ? TryRead(file) : "")
            .Where(commandLine => commandLine.StartsWith("ffmpeg", StringComparison.Ordinal) && commandLine.Contains(path, StringComparison.Ordinal))
            .ToArray();

    private static string TryRead(string file)
    {
        try
        {
            return File.ReadAllText(file).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return ""; // the process ended while we looked
        }
    }

    private static byte[] Still(int index) => TestImages.Smooth(40 + index, 30).Chunk(3 * (40 + index)).SelectMany(row => row.Take(40 * 3)).ToArray();

    private static void WriteBmp(string path, byte[] bgr, int width, int height)
    {
        byte[] bmp = new byte[BmpCodec.EncodedSize(width, height)];
        BmpCodec.EncodeBgr(bgr, width, height, width * 3, bmp);
        File.WriteAllBytes(path, bmp);
    }
}
