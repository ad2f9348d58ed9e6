using System.Net.Sockets;
using System.Text.Json;
using RawFrames.Protocol.Transport;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>The real programs, run as separate processes on loopback, judged by their exit codes and JSON summaries.</summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class SenderReceiverProcessTests
{
    [Fact]
    public async Task Pair_ThousandVerifiedFrames_ReportedInBothSummaries()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--verify", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:640x360", "--frames", "1000", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("frames").GetInt64().Should().Be(1000);
        sent.GetProperty("confirmed").GetBoolean().Should().BeTrue("the receiver answered END after reading every frame");
        sent.GetProperty("stopped_by").GetString().Should().Be("frames");
        received.GetProperty("frames").GetInt64().Should().Be(1000);
        received.GetProperty("bytes").GetInt64().Should().Be(1000L * 640 * 360 * 3);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        received.GetProperty("gaps").GetInt64().Should().Be(0);
        received.GetProperty("errors").GetInt64().Should().Be(0);
        received.GetProperty("fps").GetDouble().Should().BePositive();
        received.GetProperty("latency_ms_p50").GetDouble().Should().BePositive("loopback shares the clock");
        received.GetProperty("latency_ms_p99").GetDouble().Should().BeGreaterThanOrEqualTo(received.GetProperty("latency_ms_p50").GetDouble());
        foreach (string key in new[] { "seconds", "mbps", "mb_per_s" })
        {
            received.GetProperty(key).GetDouble().Should().BePositive(key);
        }
    }

    [Fact]
    public async Task Ack_EveryFrameIsAcknowledged_AndTheSenderReportsRoundTripTimes()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--frames", "300", "--ack", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, _) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("acked").GetInt64().Should().Be(300, "the receiver read every frame before answering END");
        double p50 = sent.GetProperty("ack_rtt_ms_p50").GetDouble();
        p50.Should().BePositive();
        sent.GetProperty("ack_rtt_ms_p99").GetDouble().Should().BeGreaterThanOrEqualTo(p50);
    }

    [Fact]
    public async Task NoAck_TheSummaryHasNoAckFields()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--frames", "20", "--json", "--quiet");

        (_, JsonElement sent) = await sender.WaitForSummaryAsync();
        await receiver.WaitForSummaryAsync();

        sent.TryGetProperty("acked", out _).Should().BeFalse("ACK is opt-in: the sender did not ask");
    }

    [Fact]
    public async Task Receiver_ServesSeveralSendersAtOnce_AndABadPeerClosesOnlyItsOwnConnection()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--frames", "1500", "--verify", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        var senders = Enumerable.Range(1, 3)
            .Select(id => ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240@200", "--frames", "500",
                "--stream-id", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", "--quiet"))
            .ToList();
        using (var garbage = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await garbage.ConnectAsync(await FrameEndpoint.Parse(endpoint).ResolveAsync(CancellationToken.None));
            await garbage.SendAsync("RFRM\u0001\u0000\u0000\u0000 this is not a HELLO"u8.ToArray());
        }

        foreach (ProgramProcess sender in senders)
        {
            (int exit, JsonElement sent) = await sender.WaitForSummaryAsync();
            exit.Should().Be(0, sender.Stderr);
            sent.GetProperty("frames").GetInt64().Should().Be(500);
            sender.Dispose();
        }

        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();
        received.GetProperty("frames").GetInt64().Should().Be(1500);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        received.GetProperty("errors").GetInt64().Should().Be(1, "the garbage connection is one protocol error");
        received.GetProperty("error_messages")[0].GetString().Should().Contain("refused").And.Contain("MessageTooLarge");
        recvExit.Should().Be(1, "a protocol error makes the receiver's exit code non-zero");
        var streams = received.GetProperty("streams").EnumerateArray().ToList();
        streams.Select(s => s.GetProperty("stream_id").GetUInt32()).Should().BeEquivalentTo(new uint[] { 1, 2, 3 });
        streams.Should().OnlyContain(s => s.GetProperty("frames").GetInt64() == 500 && s.GetProperty("gaps").GetInt64() == 0);
    }

    [Fact]
    public async Task UnixSocket_PaddedStride_SavedFramesArePpmImages()
    {
        string socket = Path.Combine(Path.GetTempPath(), $"rawframes-{Guid.NewGuid():N}.sock");
        string folder = Directory.CreateTempSubdirectory("rawframes-save-").FullName;
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", $"unix://{socket}", "--once", "--verify", "--save", folder, "--save-every", "10", "--json", "--quiet");
        await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", $"unix://{socket}", "--source", "synthetic:101x50", "--stride", "320", "--frames", "50", "--json", "--quiet");

        (int sendExit, _) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        received.GetProperty("saved").GetInt64().Should().Be(5);
        string[] files = Directory.GetFiles(folder, "*.ppm");
        files.Should().HaveCount(5);
        byte[] image = await File.ReadAllBytesAsync(files.Order(StringComparer.Ordinal).First());
        string ppmHeader = "P6\n101 50\n255\n";
        System.Text.Encoding.ASCII.GetString(image, 0, ppmHeader.Length).Should().Be(ppmHeader);
        image.Length.Should().Be(ppmHeader.Length + (101 * 50 * 3), "row padding is dropped");
        File.Exists(socket).Should().BeFalse("the receiver removes its socket file");
    }

    [Fact]
    public async Task Receiver_FrameLimit_StopsAnUnlimitedSenderCleanly()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--frames", "300", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--json", "--quiet");

        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();

        recvExit.Should().Be(0, receiver.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(300);
        sendExit.Should().Be(0, sender.Stderr);
        sent.GetProperty("stopped_by").GetString().Should().Be("receiver");
        sent.GetProperty("frames").GetInt64().Should().BeGreaterThanOrEqualTo(300);
    }
}
