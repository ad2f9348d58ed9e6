using System.Diagnostics;
using System.Runtime.CompilerServices;
using OpenCvSharp;
using RawFrames.Client;
using RawFrames.OpenCv;
using RawFrames.OpenCv.Capture;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.OpenCv;

/// <summary>The README's OpenCvSharp examples, run as printed: VideoCapture to FrameSender, FrameReceiver to a Mat and an OpenCV operation.</summary>
public sealed class ReadmeOpenCvExampleTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-readme-cv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task TheCaptureAndReceiveExamples_RunAgainstEachOther()
    {
        string video = Path.Combine(_directory, "clip.mkv");
        using (var ffmpeg = Process.Start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-c:v", "ffv1", video]))
        {
            await ffmpeg.WaitForExitAsync();
        }

        string endpoint = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var output = new StringWriter();
        Task receiving = ReceiveIntoOpenCvExample(endpoint, output);
        await CaptureAndSendExample(endpoint, video).WaitAsync(TimeSpan.FromSeconds(60));
        await receiving.WaitAsync(TimeSpan.FromSeconds(60));

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(25, "the clip's 25 frames, each through Canny");
        lines.Should().OnlyContain(line => line.Contains(" edge pixels", StringComparison.Ordinal) && !line.Contains(": 0 edge", StringComparison.Ordinal));
    }

    [Fact]
    public void TheReadmeShowsTheseExamples()
    {
        string[] blocks = ReadmeCode.CSharpBlocks();

        blocks.Should().Contain(Body(nameof(CaptureAndSendExample)));
        blocks.Should().Contain(Body(nameof(ReceiveIntoOpenCvExample)));
    }

    private static async Task CaptureAndSendExample(string endpoint, string video)
    {
        using var capture = VideoCaptureSource.Open(video); // a camera index or a file, e.g. "clip.mp4"
        await using var sender = await FrameSender.ConnectAsync(endpoint);
        using var frame = new Mat(); // one Mat for every frame: Read fills it again
        while (capture.Read(frame) && await sender.SendAsync(frame))
        {
        }
    }

    private static async Task ReceiveIntoOpenCvExample(string endpoint, TextWriter output)
    {
        await using var receiver = await FrameReceiver.ListenAsync(endpoint, new FrameReceiverOptions { Once = true });
        using var edges = new Mat();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync())
        {
            using Mat image = frame.ToMat(); // views the received memory: no copy, valid in this iteration
            Cv2.Canny(image, edges, 100, 200);
            output.WriteLine($"#{frame.Sequence}: {Cv2.CountNonZero(edges)} edge pixels");
        }
    }

    private static string Body(string method, [CallerFilePath] string file = "") =>
        ReadmeCode.Body(file, method, ("endpoint", "\"tcp://127.0.0.1:5555\""), ("video", "\"0\""));
}
