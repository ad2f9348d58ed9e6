using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Sender;

/// <summary>
/// Restarts and dead peers with the real programs: a receiver that starts late, is killed, shuts down, or freezes.
/// Waits are bounded polls on what the programs log; nothing here asserts a duration.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class ReconnectProcessTests
{
    private const int Frames = 600;

    [Fact]
    public async Task StartOrder_DoesNotMatter()
    {
        string endpoint = FreeEndpoint();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:160x120", "--frames", "50", "--json", "--quiet");
        await sender.WaitUntilSaidAsync("retrying"); // nothing listens yet
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--once", "--verify", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("reconnects").GetInt32().Should().Be(0, "the first connection is not a reconnection");
        received.GetProperty("frames").GetInt64().Should().Be(50);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task ReceiverKilled_AndRestarted_TheSenderGoesOn_AndNamesTheFramesNotAcknowledged()
    {
        string endpoint = FreeEndpoint();
        using var first = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--json"); // live line: frames so far
        await first.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240@200", "--frames", $"{Frames}", "--ack", "--json", "--quiet");
        await ProgramProcess.WaitUntilAsync(() => first.LastLiveFrames() >= 50, "the first receiver has frames");

        first.Kill(); // no END, no ERROR: the kernel closes the socket
        await ProgramProcess.WaitUntilAsync(() => sender.Said("lost:"), "the sender noticed");
        using var second = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--once", "--verify", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await second.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, second.Stderr);
        sent.GetProperty("reconnects").GetInt32().Should().Be(1);
        sent.GetProperty("frames").GetInt64().Should().Be(Frames);
        long unacknowledged = sent.GetProperty("unacknowledged_frames").GetInt64();
        (sent.GetProperty("acked").GetInt64() + unacknowledged).Should().Be(Frames, "every frame sent was either acknowledged or reported");
        JsonElement stream = received.GetProperty("streams")[0];
        stream.GetProperty("last_sequence").GetUInt64().Should().Be(Frames - 1);
        stream.GetProperty("gaps").GetInt64().Should().Be(0, "the new connection carries on from the frame that failed, in order");
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        ulong resumedAt = stream.GetProperty("first_sequence").GetUInt64();
        foreach (JsonElement range in sent.GetProperty("unacknowledged").EnumerateArray())
        {
            range.GetProperty("to_sequence").GetUInt64().Should().BeLessThan(resumedAt, "a reported range lies before where the new connection resumed");
        }
    }

    [Fact]
    public async Task ReceiverRestarted_UnderLatest_TheSenderGoesOnFromNow_WithNoBacklog()
    {
        string endpoint = FreeEndpoint();
        using var first = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--json");
        await first.ListeningEndpointAsync();
        // Unbounded: however long the restart takes on a loaded machine, the second receiver gets frames, and its END
        // after 100 of them stops the sender.
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240@100",
            "--policy", "latest", "--json", "--quiet");
        await ProgramProcess.WaitUntilAsync(() => first.LastLiveFrames() >= 50, "the first receiver has frames");

        first.Kill();
        await ProgramProcess.WaitUntilAsync(() => sender.Said("lost:"), "the sender noticed");
        using var second = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--frames", "100", "--verify", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (_, JsonElement received) = await second.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        sent.GetProperty("stopped_by").GetString().Should().Be("receiver");
        sent.GetProperty("reconnects").GetInt32().Should().Be(1);
        // At 100 fps, the outage (until the second receiver was up) spanned reconnect_ms / 10 frame slots.
        long slotsInOutage = (long)(sent.GetProperty("reconnect_ms_max").GetDouble() / 10);
        sent.GetProperty("dropped").GetInt64().Should().BeGreaterThanOrEqualTo(slotsInOutage / 2, "the frames captured during the outage were dropped, not queued");
        JsonElement stream = received.GetProperty("streams")[0];
        stream.GetProperty("frames").GetInt64().Should().Be(100);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        stream.GetProperty("first_sequence").GetInt64().Should().BeGreaterThanOrEqualTo(50, "it resumed from now, after what the first receiver had");
        stream.GetProperty("backwards").GetInt64().Should().Be(0);
        stream.GetProperty("gaps").GetInt64().Should().BeLessThanOrEqualTo(sent.GetProperty("dropped").GetInt64(),
            "from where it resumed, every frame either arrived or was counted as dropped by the sender");
    }

    [Fact]
    public async Task ReceiverShuttingDown_OnSigterm_TellsTheSender_WhichComesBackToTheNextReceiver()
    {
        string endpoint = FreeEndpoint();
        using var first = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--json");
        await first.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240@200", "--frames", $"{Frames}", "--json", "--quiet");
        await ProgramProcess.WaitUntilAsync(() => first.LastLiveFrames() >= 50, "the first receiver has frames");

        first.Signal("TERM");
        (int firstExit, JsonElement firstSummary) = await first.WaitForSummaryAsync();
        using var second = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--once", "--verify", "--json", "--quiet");
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await second.WaitForSummaryAsync();

        firstExit.Should().Be(0, first.Stderr);
        first.Stderr.Should().MatchRegex("disconnected: .*: the receiver is shutting down");
        firstSummary.GetProperty("errors").GetInt64().Should().Be(0, "shutting down is not an error");
        sender.Stderr.Should().Contain("ShuttingDown");
        sendExit.Should().Be(0, sender.Stderr);
        sent.GetProperty("reconnects").GetInt32().Should().Be(1);
        sent.GetProperty("stopped_by").GetString().Should().Be("frames");
        recvExit.Should().Be(0, second.Stderr);
        received.GetProperty("streams")[0].GetProperty("last_sequence").GetUInt64().Should().Be(Frames - 1);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task FrozenReceiver_IsTakenForDead_AtThePeerTimeout()
    {
        string endpoint = FreeEndpoint();
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--json", "--quiet");
        await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:160x120@100", "--peer-timeout", "1", "--no-reconnect", "--json", "--quiet");
        await ProgramProcess.WaitUntilAsync(() => receiver.Said("connected:"), "the receiver has the sender");

        receiver.Signal("STOP"); // alive to the kernel, silent to the sender: no PINGs, no reads
        try
        {
            (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync(TimeSpan.FromSeconds(60));

            sendExit.Should().Be(1);
            sender.Stderr.Should().Contain("nothing received for 1 s (idle timeout): the peer is gone or the link is stalled");
            sent.GetProperty("stopped_by").GetString().Should().Be("error");
            sent.GetProperty("reconnects").GetInt32().Should().Be(0, "--no-reconnect");
        }
        finally
        {
            receiver.Signal("CONT");
        }
    }

    [Fact]
    public async Task FrozenReceiver_WithReconnect_IsRejoinedWhenItWakes()
    {
        string endpoint = FreeEndpoint();
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", endpoint, "--json", "--quiet");
        await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:160x120@100", "--frames", "400", "--peer-timeout", "2", "--json", "--quiet");
        await ProgramProcess.WaitUntilAsync(() => receiver.Said("connected:"), "the receiver has the sender");

        receiver.Signal("STOP");
        await ProgramProcess.WaitUntilAsync(() => sender.Said("lost: nothing received for 2 s"), "the sender gave up on the frozen connection");
        receiver.Signal("CONT");
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        receiver.Signal("TERM");
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        sent.GetProperty("reconnects").GetInt32().Should().Be(1);
        sent.GetProperty("frames").GetInt64().Should().Be(400);
        received.GetProperty("connections").GetInt64().Should().Be(2, "the frozen connection and the new one");
        receiver.Stderr.Should().Contain("disconnected:").And.Contain("end of stream (");
    }

    private static string FreeEndpoint() => $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
}
