using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// PROTOCOL.md §15 with the real programs: rawframes-send --to shm:// into rawframes-recv on a Unix socket, and what
/// a crash of either side leaves behind (nothing wedged, no ring file).
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class SharedMemoryProcessTests : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"rawframes-shm-{Guid.NewGuid():N}.sock");

    private string Listen => $"unix://{_socket}";

    private string To => $"shm://{_socket}";

    public void Dispose() => File.Delete(_socket);

    [Fact]
    public async Task SharedMemory_EveryFrameArrivesVerifiedAndAcknowledged()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", Listen, "--once", "--verify", "--json", "--quiet");
        await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", To, "--source", "synthetic:1280x720", "--frames", "300", "--ack", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("transport").GetString().Should().Be("shared memory");
        sent.GetProperty("acked").GetInt64().Should().Be(300);
        received.GetProperty("frames").GetInt64().Should().Be(300);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        receiver.Stderr.Should().Contain("over shared memory");
        RingFilesOf(sender.Id).Should().BeEmpty();
    }

    [Fact]
    public async Task ReceiverKilled_TheSenderIsNotWedged_AndGoesOnThroughANewRing()
    {
        using var first = ProgramProcess.Start("rawframes-recv", "--listen", Listen, "--json"); // live line: frames so far
        await first.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", To, "--source", "synthetic:640x480@200", "--frames", "600", "--json", "--quiet");
        await ProgramProcess.WaitUntilAsync(() => first.LastLiveFrames() >= 50, "frames flow through shared memory");

        first.Kill(); // it held ring slots and never releases them
        await sender.WaitUntilSaidAsync("lost:");
        using var second = ProgramProcess.Start("rawframes-recv", "--listen", Listen, "--once", "--verify", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await second.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, second.Stderr);
        sent.GetProperty("reconnects").GetInt32().Should().Be(1);
        sent.GetProperty("transport").GetString().Should().Be("shared memory");
        JsonElement stream = received.GetProperty("streams")[0];
        stream.GetProperty("last_sequence").GetUInt64().Should().Be(599);
        stream.GetProperty("gaps").GetInt64().Should().Be(0);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        RingFilesOf(sender.Id).Should().BeEmpty("each receiver unlinked the ring it mapped");
    }

    [Fact]
    public async Task SenderKilled_TheReceiverGoesOnServing_AndNoRingFileIsLeft()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", Listen, "--verify", "--json");
        await receiver.ListeningEndpointAsync();
        int killedId;
        using (var doomed = ProgramProcess.Start("rawframes-send", "--to", To, "--source", "synthetic:1920x1080", "--quiet"))
        {
            // Frames flowing; the receiver holds one in place most of the time.
            await ProgramProcess.WaitUntilAsync(() => receiver.LastLiveFrames() >= 10, "frames flow through shared memory");
            killedId = doomed.Id;
            doomed.Kill();
        }

        await receiver.WaitUntilSaidAsync("disconnected:");
        using var next = ProgramProcess.Start("rawframes-send", "--to", To, "--source", "synthetic:1920x1080", "--frames", "100", "--json", "--quiet");
        (int sendExit, JsonElement sent) = await next.WaitForSummaryAsync();
        receiver.Signal("TERM");
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, next.Stderr);
        sent.GetProperty("confirmed").GetBoolean().Should().BeTrue();
        received.GetProperty("verify_failures").GetInt64().Should().Be(0, "the frame held when its sender died was still whole");
        received.GetProperty("errors_by_kind").EnumerateObject().Select(kind => kind.Name).Should().BeSubsetOf(["ConnectionLost"],
            $"a sender that vanishes is a lost connection, never a protocol error: {receiver.Stderr}");
        RingFilesOf(killedId).Should().BeEmpty("the receiver unlinked the ring as soon as it had mapped it");
    }

    private static string[] RingFilesOf(int processId) =>
        Directory.GetFiles("/dev/shm", $"rawframes-{processId}-*");
}
