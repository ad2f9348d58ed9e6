using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>rawframes-recv --stdout piped into real readers: a file, ffmpeg, and a reader that quits early.</summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class StdoutSinkProcessTests
{
    [Fact]
    public async Task RawFramesWithPaddedRows_ArriveAsPackedPixels_InOrder()
    {
        string output = Path.Combine(Path.GetTempPath(), $"rawframes-stdout-{Guid.NewGuid():N}.bgr");
        try
        {
            using var receiver = ProgramProcess.StartPiped("rawframes-recv", $"cat > '{output}'", "--listen", "tcp://127.0.0.1:0", "--once", "--stdout", "--json", "--quiet");
            string endpoint = await receiver.ListeningEndpointAsync();
            using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:61x40", "--stride", "200", "--frames", "20", "--json", "--quiet");

            (int sendExit, _) = await sender.WaitForSummaryAsync();
            (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

            sendExit.Should().Be(0, sender.Stderr);
            recvExit.Should().Be(0, receiver.Stderr);
            received.GetProperty("stdout_frames").GetInt64().Should().Be(20);
            receiver.Stderr.Should().Contain("-f rawvideo -pixel_format bgr24 -video_size 61x40 -i -", "the receiver tells how to read its output");
            byte[] written = await File.ReadAllBytesAsync(output);
            written.Should().Equal(TestImages.PackedPattern(61, 40, 200, 20), "rows without their padding, frame after frame");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task JpegFrames_AreAnMjpegStream_ThatFfmpegDecodesFrameByFrame()
    {
        string output = Path.Combine(Path.GetTempPath(), $"rawframes-mjpeg-{Guid.NewGuid():N}.bgr");
        try
        {
            using var receiver = ProgramProcess.StartPiped("rawframes-recv",
                $"ffmpeg -hide_banner -loglevel error -f mjpeg -i - -f rawvideo -pix_fmt bgr24 -y '{output}'",
                "--listen", "tcp://127.0.0.1:0", "--once", "--stdout", "--json", "--quiet");
            string endpoint = await receiver.ListeningEndpointAsync();
            using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:160x120", "--codec", "jpeg", "--quality", "95", "--frames", "30", "--json", "--quiet");

            (int sendExit, _) = await sender.WaitForSummaryAsync();
            (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

            sendExit.Should().Be(0, sender.Stderr);
            recvExit.Should().Be(0, receiver.Stderr);
            received.GetProperty("stdout_frames").GetInt64().Should().Be(30);
            byte[] decoded = await File.ReadAllBytesAsync(output);
            decoded.Length.Should().Be(30 * 160 * 120 * 3, "ffmpeg found 30 JPEG files in the stream, every one whole");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task DecodedFrames_AreWrittenAsBgrPixels()
    {
        string output = Path.Combine(Path.GetTempPath(), $"rawframes-decoded-{Guid.NewGuid():N}.bgr");
        try
        {
            using var receiver = ProgramProcess.StartPiped("rawframes-recv", $"cat > '{output}'", "--listen", "tcp://127.0.0.1:0", "--once", "--stdout", "--decode", "bgr", "--json", "--quiet");
            string endpoint = await receiver.ListeningEndpointAsync();
            using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:160x120", "--codec", "png", "--frames", "10", "--json", "--quiet");

            (int sendExit, _) = await sender.WaitForSummaryAsync();
            (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

            sendExit.Should().Be(0, sender.Stderr);
            recvExit.Should().Be(0, receiver.Stderr);
            received.GetProperty("stdout_frames").GetInt64().Should().Be(10);
            byte[] written = await File.ReadAllBytesAsync(output);
            written.Should().Equal(TestImages.PackedPattern(160, 120, 160 * 3, 10), "PNG is lossless: the decoded pixels are the sent ones");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task AReaderThatQuits_StopsTheReceiver_AndTheSenderCleanly()
    {
        using var receiver = ProgramProcess.StartPiped("rawframes-recv", "head -c 100000 > /dev/null", "--listen", "tcp://127.0.0.1:0", "--once", "--stdout", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("stopped_by").GetString().Should().Be("receiver");
        sent.GetProperty("confirmed").GetBoolean().Should().BeTrue();
        receiver.Stderr.Should().Contain("the reader of stdout went away");
        received.GetProperty("stdout_frames").GetInt64().Should().BeLessThan(2, "head took 100,000 bytes of a 230,400-byte frame");
    }
}
