using System.Text.Json;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;
using RawFrames.Programs.Sources;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>The real programs with compressed codecs: parallel encode and decode in order, verified by PSNR.</summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class CodecProcessTests
{
    [Theory]
    [InlineData("jpeg", "bgr", 35)]
    [InlineData("yuv-jpeg", "yuv", 35)]
    [InlineData("png", "bgr", double.PositiveInfinity)]
    [InlineData("bmp", "bgr", double.PositiveInfinity)]
    public async Task Pair_CompressedFrames_DecodedInOrderAndVerified(string codec, string decode, double minimumPsnr)
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--verify", "--decode", decode,
            "--decoder-threads", "3", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--codec", codec,
            "--encoder-threads", "3", "--frames", "120", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("codec").GetString().Should().Be(codec);
        received.GetProperty("frames").GetInt64().Should().Be(120);
        received.GetProperty("decoded").GetInt64().Should().Be(120);
        received.GetProperty("gaps").GetInt64().Should().Be(0, "parallel encoding must not reorder or lose frames");
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        received.GetProperty("corrupt_frames").GetInt64().Should().Be(0);
        JsonElement psnr = received.GetProperty("psnr_min_db");
        if (double.IsPositiveInfinity(minimumPsnr))
        {
            psnr.ValueKind.Should().Be(JsonValueKind.Null, "every frame of a lossless codec matched exactly");
        }
        else
        {
            psnr.GetDouble().Should().BeGreaterThan(minimumPsnr);
        }
    }

    [Fact]
    public async Task CorruptJpeg_IsCountedAndTheStreamGoesOn()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--decode", "bgr", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        SyntheticPattern pattern = SyntheticPattern.For(160, 120);
        using var encoder = new JpegEncoder();
        byte[] jpeg = new byte[encoder.MaxEncodedSize(160, 120)];
        byte[] garbage = new byte[3000];
        new Random(1).NextBytes(garbage);

        await using (FrameConnection producer = await FrameConnection.ConnectAsync(FrameEndpoint.Parse(endpoint),
            new ConnectionOptions { Role = PeerRole.Producer }))
        {
            for (ulong seq = 0; seq < 3; seq++)
            {
                int length = encoder.Encode(pattern.Frame(seq).Span, 160, 120, 480, jpeg);
                ReadOnlyMemory<byte> payload = seq == 1 ? garbage : jpeg.AsMemory(0, length);
                var header = new FrameHeader(Codec.Jpeg, PixelFormat.Bgr24, FrameFlags.None, 9, 160, 120, 0, 0, seq, UnixTime.NowNanoseconds());
                await producer.SendFrameAsync(header, default, payload);
            }

            await producer.SendEndAsync();
            (await producer.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Type.Should().Be(MessageType.End);
        }

        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();
        recvExit.Should().Be(0, "a corrupt payload is a bad frame, not a protocol error");
        received.GetProperty("frames").GetInt64().Should().Be(3);
        received.GetProperty("decoded").GetInt64().Should().Be(3);
        received.GetProperty("corrupt_frames").GetInt64().Should().Be(1);
        received.GetProperty("errors").GetInt64().Should().Be(0);
        receiver.Stderr.Should().Contain("frame 1: cannot decode jpeg payload");
    }

    [Fact]
    public async Task ImageSource_PanningPhoto_StreamsAsJpeg()
    {
        byte[] bgr = TestImages.Smooth(400, 200);
        string path = Path.Combine(Directory.CreateTempSubdirectory("rawframes-photo-").FullName, "photo.bmp");
        byte[] bmp = new byte[BmpCodec.EncodedSize(400, 200)];
        BmpCodec.EncodeBgr(bgr, 400, 200, 1200, bmp);
        await File.WriteAllBytesAsync(path, bmp);
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--decode", "bgr", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", $"image:{path}", "--codec", "jpeg", "--frames", "50", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        (sent.GetProperty("source").GetString(), sent.GetProperty("width").GetInt32(), sent.GetProperty("height").GetInt32())
            .Should().Be(("image", 400, 200 - PanningImage.PanPixels));
        received.GetProperty("decoded").GetInt64().Should().Be(50);
        received.GetProperty("corrupt_frames").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task Sender_UnknownCodec_IsAUsageError()
    {
        using var sender = ProgramProcess.Start("rawframes-send", "--codec", "webp", "--frames", "1");

        Func<Task> wait = () => sender.WaitForSummaryAsync(TimeSpan.FromSeconds(30));

        await wait.Should().ThrowAsync<InvalidOperationException>().WithMessage("*webp*");
    }
}
