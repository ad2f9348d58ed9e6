using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Sender;

/// <summary>
/// --policy with a source faster than the sender can deliver: a 120 fps source into one PNG level-9 encoder, which
/// manages about 20 frames a second of 1280x720 on this machine (the bound is the encoder, not a timer).
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class DeliveryPolicyProcessTests
{
    private static readonly string[] s_fastSourceSlowEncoder =
        ["--source", "synthetic:1280x720@120", "--codec", "png", "--png-level", "9", "--encoder-threads", "1", "--duration", "2", "--json", "--quiet"];

    [Fact]
    public async Task Latest_DropsSupersededFrames_AndTheReceiverSeesEachDropAsAGap()
    {
        (JsonElement sent, JsonElement received) = await RunAsync("latest");

        long dropped = sent.GetProperty("dropped").GetInt64();
        sent.GetProperty("policy").GetString().Should().Be("latest");
        dropped.Should().BePositive("the source captured frames faster than the encoder could take them");
        received.GetProperty("gaps").GetInt64().Should().Be(dropped, "every dropped sequence number is missing between two sent ones");
        received.GetProperty("frames").GetInt64().Should().Be(sent.GetProperty("frames").GetInt64());
    }

    [Fact]
    public async Task Lossless_SendsEveryFrameInOrder_WithoutDrops()
    {
        (JsonElement sent, JsonElement received) = await RunAsync("lossless");

        sent.GetProperty("dropped").GetInt64().Should().Be(0);
        received.GetProperty("gaps").GetInt64().Should().Be(0);
        JsonElement stream = received.GetProperty("streams")[0];
        long frames = stream.GetProperty("frames").GetInt64();
        frames.Should().BePositive();
        (stream.GetProperty("last_sequence").GetInt64() - stream.GetProperty("first_sequence").GetInt64() + 1).Should().Be(frames);
    }

    private static async Task<(JsonElement Sent, JsonElement Received)> RunAsync(string policy)
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", ["--to", endpoint, "--policy", policy, .. s_fastSourceSlowEncoder]);

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        return (sent, received);
    }
}
