using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Sender;

/// <summary>
/// rawframes-send --source opencv:: a clip through OpenCV's VideoCapture arrives frame for frame; a live network source
/// (LiveStreamServer: ffmpeg's live MPEG-TS over TCP, stopped and started again) is reopened with backoff and the run goes on, for
/// both the opencv: and the ffmpeg: sources.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class OpenCvSourceProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-opencv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AClip_ThroughVideoCapture_ArrivesFrameForFrame_AtItsOwnRate()
    {
        // Lossless RGB (ffv1, bgr0): OpenCV and the ffmpeg command line decode it to the same BGR bytes.
        string clip = Path.Combine(_directory, "clip.mkv");
        string expected = Path.Combine(_directory, "expected.bgr");
        await Commands.RunAsync("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1",
            "-c:v", "ffv1", "-pix_fmt", "bgr0", clip);
        await Commands.RunAsync("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", clip, "-f", "rawvideo", "-pix_fmt", "bgr24", expected);
        string output = Path.Combine(_directory, "received.bgr");
        using var receiver = ProgramProcess.StartPiped("rawframes-recv", $"cat > '{output}'", "--listen", "tcp://127.0.0.1:0", "--once", "--stdout", "--json", "--quiet");
        using var sender = ProgramProcess.Start("rawframes-send", "--to", await receiver.ListeningEndpointAsync(), "--source", $"opencv:{clip}", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sender.Stderr.Should().Contain("opencv: ").And.Contain("160x120 at 25 fps");
        sent.GetProperty("stopped_by").GetString().Should().Be("source", "the run ends with the clip");
        received.GetProperty("frames").GetInt64().Should().Be(25);
        (await File.ReadAllBytesAsync(output)).Should().Equal(await File.ReadAllBytesAsync(expected), "OpenCV's frames, as the ffmpeg command line decodes the clip");
    }

    [Theory]
    [InlineData("opencv")]
    [InlineData("ffmpeg")]
    public async Task ALiveSourceThatDrops_IsOpenedAgain_AndTheRunGoesOn(string kind)
    {
        int port = LoopbackPorts.Free();
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--json");
        LiveStreamServer camera = LiveStreamServer.Start(port);
        try
        {
            using var sender = ProgramProcess.Start("rawframes-send", "--to", await receiver.ListeningEndpointAsync(), "--source", $"{kind}:tcp://127.0.0.1:{port}",
                "--ffmpeg-options", "-analyzeduration 500000 -probesize 200000", "--json", "--quiet");
            await ProgramProcess.WaitUntilAsync(() => receiver.LastLiveFrames() >= 10, "frames of the live stream arrive");

            camera.Dispose();
            await sender.WaitUntilSaidAsync("opening it again until it answers");
            camera = LiveStreamServer.Start(port);
            await sender.WaitUntilSaidAsync("is back after");
            long before = receiver.LastLiveFrames();
            await ProgramProcess.WaitUntilAsync(() => receiver.LastLiveFrames() >= before + 10, "frames flow again after the source came back");

            sender.Signal("INT");
            (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
            sendExit.Should().Be(0, sender.Stderr);
            sent.GetProperty("source_reopens").GetInt32().Should().BeGreaterThanOrEqualTo(1);
            if (kind == "opencv")
            {
                sender.Stderr.Should().Contain("reading the stream with ffmpeg instead", "this OpenCV runtime's FFmpeg has no network protocols");
            }
        }
        finally
        {
            camera.Dispose();
        }

        receiver.Signal("INT");
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();
        recvExit.Should().Be(0, receiver.Stderr);
        received.GetProperty("connections").GetInt64().Should().Be(1, "the sender's connection outlived the source's outage");
    }

    [Fact]
    public async Task WithoutALibraryOpenCvLinks_TheSenderSaysWhichPackagesToInstall()
    {
        // GTK hidden from this one process (a private mount namespace, the library file covered by an empty one), as
        // on a machine where it was never installed.
        string clip = Path.Combine(_directory, "clip.mkv");
        await Commands.RunAsync("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1", "-c:v", "ffv1", clip);
        string gtk = "/usr/lib/x86_64-linux-gnu/libgtk-3.so.0";
        File.Exists(gtk).Should().BeTrue("scripts/setup.sh installs libgtk-3-0");
        string empty = Path.Combine(_directory, "empty.so");
        await File.WriteAllBytesAsync(empty, []);
        using var sender = ProgramProcess.StartWrapped(["unshare", "--mount", "--propagation", "private", "/bin/bash", "-c", $"mount --bind '{empty}' {gtk} && exec \"$0\" \"$@\""],
            "rawframes-send", "--to", $"tcp://127.0.0.1:{LoopbackPorts.Free()}", "--source", $"opencv:{clip}", "--json", "--quiet");

        (int exit, JsonElement summary) = await sender.WaitForSummaryAsync();

        exit.Should().Be(2, sender.Stderr);
        summary.GetProperty("error").GetString().Should().Contain("OpenCV's native runtime (libOpenCvSharpExtern.so) cannot be loaded")
            .And.Contain("apt-get install libgtk-3-0");
        sender.Stderr.Should().NotContain("   at ", "no stack trace");
    }
}
