using System.Text.Json;
using RawFrames.Tests.Support;
using Xunit.Abstractions;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// Sender and receiver in two network namespaces joined by a shaped veth pair: a gigabit LAN (1 ms, 0.1 % loss where
/// the kernel has netem) and a 100 Mbit/s link. Every frame verified; the rate each codec reaches is printed
/// (scripts/measure-lan.sh measures it with a natural photo for the README).
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class LinkBetweenHostsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("1gbit", "delay 1ms loss 0.1%", "raw")]
    [InlineData("1gbit", "delay 1ms loss 0.1%", "jpeg")]
    [InlineData("100mbit", "", "raw")]
    [InlineData("100mbit", "", "yuv-jpeg")]
    public async Task EveryFrameArrivesVerified_OverAShapedLink(string rate, string netem, string codec)
    {
        using var link = NetworkNamespacePair.Create(rate, netem);
        using var receiver = ProgramProcess.StartWrapped(NetworkNamespacePair.Inside(link.ReceiverNamespace), "rawframes-recv",
            "--listen", $"tcp://{link.ReceiverAddress}:5555", "--once", "--verify", "--decode", "bgr", "--json", "--quiet");
        await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.StartWrapped(NetworkNamespacePair.Inside(link.SenderNamespace), "rawframes-send",
            "--to", $"tcp://{link.ReceiverAddress}:5555", "--source", "synthetic:1280x720", "--codec", codec, "--duration", "3", "--ack", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        output.WriteLine($"{link.Shaping}, {codec} 1280x720: {sent.GetProperty("fps").GetDouble():0.0} fps, {sent.GetProperty("mbps").GetDouble():0} Mbit/s");
        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("confirmed").GetBoolean().Should().BeTrue();
        received.GetProperty("frames").GetInt64().Should().Be(sent.GetProperty("frames").GetInt64()).And.BePositive();
        received.GetProperty("verify_failures").GetInt64().Should().Be(0, "every frame arrived intact over the lossy link");
        received.GetProperty("gaps").GetInt64().Should().Be(0);
    }
}
