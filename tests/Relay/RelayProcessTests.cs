using System.Text.Json;
using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Relay;

/// <summary>
/// rawframes-relay with the real programs: one sender, subscribers with different policies, codecs and transports,
/// two that stall on purpose, and relays chained. Nothing here asserts a duration. Lossless queues hold a whole
/// stream (--queue 256, and --max-queued-mib 300 for 256 frames of 640x480), so a subscriber the machine's load holds
/// back still gets every frame.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
[Collection(RunsAlone.Name)]
public sealed class RelayProcessTests : IDisposable
{
    private const int Frames = 300;
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"rawframes-relay-{Guid.NewGuid():N}.sock");

    public void Dispose() => File.Delete(_socket);

    [Fact]
    public async Task StalledSubscribers_NeitherSlowTheSender_NorTheOtherSubscribers()
    {
        string producers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string subscribers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var relay = ProgramProcess.Start("rawframes-relay", "--listen", producers, "--serve", subscribers, "--serve", $"unix://{_socket}",
            "--http", "127.0.0.1:0", "--queue", "256", "--max-queued-mib", "300", "--once", "--json", "--quiet");
        string view = await relay.BrowserViewUrlAsync();
        using var everyFrame = ProgramProcess.Start("rawframes-recv", "--from", subscribers, "--verify", "--json", "--quiet");
        using var sharedMemory = ProgramProcess.Start("rawframes-recv", "--from", $"shm://{_socket}", "--verify", "--json", "--quiet");
        using var jpeg = ProgramProcess.Start("rawframes-recv", "--from", subscribers, "--want", "jpeg", "--verify", "--json", "--quiet");
        foreach (ProgramProcess program in new[] { everyFrame, sharedMemory, jpeg })
        {
            await program.WaitUntilSaidAsync("connected:");
        }

        // Subscribers 4 and 5 stop reading after their opening: one asked for the latest frame only, one for every
        // frame with "disconnect me when I fall behind".
        await using FrameConnection stalledLatest = await SubscribeAsync(subscribers, new Subscription(DeliveryPolicy.Latest));
        await using FrameConnection stalledLossless = await SubscribeAsync(subscribers, new Subscription(DeliveryPolicy.Lossless, WhenFull.Disconnect, QueueFrames: 4));
        await relay.WaitUntilSaidAsync("subscriber 5:");
        relay.Stderr.Should().Contain("subscriber 4: 127.0.0.1").And.Contain("latest,");

        // A lossless sender: a relay that waited for a stalled subscriber would hold it up for good, and it would never
        // finish (a bound on the wait, not a timing, decides; under CPU contention it only takes longer).
        using var sender = ProgramProcess.Start("rawframes-send", "--to", producers, "--source", "synthetic:640x480@100", "--frames", $"{Frames}",
            "--policy", "lossless", "--json", "--quiet");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Task<byte[]> snapshot = SnapshotWhileLiveAsync(http, view);
        await relay.WaitUntilSaidAsync("subscriber 5 ended: too slow");
        string state = await http.GetStringAsync(view + "state");
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int relayExit, JsonElement relayed) = await relay.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        relayExit.Should().Be(0, relay.Stderr);
        sent.GetProperty("frames").GetInt64().Should().Be(Frames, "the stalled subscribers held nothing up");
        sent.GetProperty("dropped").GetInt64().Should().Be(0);
        long arrived = relayed.GetProperty("frames").GetInt64();
        arrived.Should().Be(Frames);
        foreach (ProgramProcess fast in new[] { everyFrame, sharedMemory, jpeg })
        {
            (int exit, JsonElement received) = await fast.WaitForSummaryAsync();
            exit.Should().Be(0, fast.Stderr);
            received.GetProperty("frames").GetInt64().Should().Be(arrived, $"a lossless subscriber that keeps up gets every frame the relay got: {fast.Stderr}");
            received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        }

        JsonElement[] subscriptions = [.. relayed.GetProperty("subscriptions").EnumerateArray()];
        JsonElement latest = subscriptions.Single(s => s.GetProperty("id").GetInt64() == 4);
        latest.GetProperty("policy").GetString().Should().Be("latest");
        latest.GetProperty("dropped").GetInt64().Should().BeGreaterThan(arrived / 2, "it took a frame or two, then the newest waited while older ones were dropped");
        JsonElement cut = subscriptions.Single(s => s.GetProperty("id").GetInt64() == 5);
        cut.GetProperty("ended").GetString().Should().StartWith("too slow");
        foreach (JsonElement keptUp in subscriptions.Where(s => s.GetProperty("id").GetInt64() is >= 1 and <= 3))
        {
            keptUp.GetProperty("dropped").GetInt64().Should().Be(0);
            keptUp.GetProperty("switched_to_latest").GetBoolean().Should().BeFalse();
        }

        relayed.GetProperty("made").GetProperty("jpeg").GetInt64().Should().Be(arrived, "one JPEG per frame, however many subscribers (and browsers) want JPEG");
        byte[] jpegSnapshot = await snapshot;
        jpegSnapshot.AsSpan(0, 2).ToArray().Should().Equal([0xFF, 0xD8], "the browser view serves the relay's shared JPEG");
        using JsonDocument live = JsonDocument.Parse(state);
        live.RootElement.GetProperty("subscribers").EnumerateArray().Select(s => s.GetProperty("policy").GetString())
            .Should().Contain(["latest", "lossless"], "/state shows every subscriber while the relay runs");
    }

    [Fact]
    public async Task ChainedRelays_CarryEveryFrame_ToASubscriberOfTheSecond()
    {
        // Queues of 256 frames (2.5 s at 100 fps): lossless subscribers that fall behind further switch to latest by
        // design, which a test machine busy with other tests must not turn into a failure.
        string producers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string first = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string second = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var upstream = ProgramProcess.Start("rawframes-relay", "--listen", producers, "--serve", first, "--queue", "256", "--max-queued-mib", "300", "--once", "--json", "--quiet");
        await upstream.WaitUntilSaidAsync("subscribers connect to");
        using var downstream = ProgramProcess.Start("rawframes-relay", "--no-listen", "--from", first, "--serve", second, "--queue", "256", "--max-queued-mib", "300", "--once", "--json", "--quiet");
        await upstream.WaitUntilSaidAsync("subscriber 1:");
        using var subscriber = ProgramProcess.Start("rawframes-recv", "--from", second, "--verify", "--json", "--quiet");
        await downstream.WaitUntilSaidAsync("subscriber 1:");
        using var sender = ProgramProcess.Start("rawframes-send", "--to", producers, "--source", "synthetic:640x480@100", "--frames", "200", "--ack", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await subscriber.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        sent.GetProperty("acked").GetInt64().Should().Be(200);
        recvExit.Should().Be(0, subscriber.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(200);
        received.GetProperty("gaps").GetInt64().Should().Be(0);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        (await upstream.WaitForExitAsync()).Should().Be(0, upstream.Stderr);
        (await downstream.WaitForExitAsync()).Should().Be(0, downstream.Stderr);
    }

    [Fact]
    public async Task ADownstreamRelay_FollowsItsUpstreamAcrossARestart()
    {
        string producers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string first = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string second = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string[] upstreamArguments = ["--listen", producers, "--serve", first, "--queue", "256", "--max-queued-mib", "300", "--quiet"];
        var upstream = ProgramProcess.Start("rawframes-relay", upstreamArguments);
        try
        {
            await upstream.WaitUntilSaidAsync("subscribers connect to");
            using var downstream = ProgramProcess.Start("rawframes-relay", "--no-listen", "--from", first, "--serve", second, "--queue", "256", "--max-queued-mib", "300", "--json", "--quiet");
            await upstream.WaitUntilSaidAsync("subscriber 1:");
            using var subscriber = ProgramProcess.Start("rawframes-recv", "--from", second, "--verify", "--json"); // live line: frames so far
            await downstream.WaitUntilSaidAsync("subscriber 1:");
            await SendAsync(producers, streamId: 0);
            await ProgramProcess.WaitUntilAsync(() => subscriber.LastLiveFrames() == 100, "the subscriber has the first sender's 100 frames");

            upstream.Kill(); // a crash: no END for the downstream relay, which retries with backoff
            await downstream.WaitUntilSaidAsync("retrying");
            upstream.Dispose();
            upstream = ProgramProcess.Start("rawframes-relay", upstreamArguments);
            await upstream.WaitUntilSaidAsync("subscriber 1:"); // the downstream relay is back
            await SendAsync(producers, streamId: 1);

            downstream.Signal("TERM"); // ends its subscriptions with END after what is queued
            (int recvExit, JsonElement received) = await subscriber.WaitForSummaryAsync();
            recvExit.Should().Be(0, subscriber.Stderr);
            received.GetProperty("verify_failures").GetInt64().Should().Be(0);
            JsonElement[] streams = [.. received.GetProperty("streams").EnumerateArray()];
            streams.Select(s => (s.GetProperty("stream_id").GetInt64(), s.GetProperty("frames").GetInt64()))
                .Should().BeEquivalentTo(new[] { (0L, 100L), (1L, 100L) }, "the subscriber of the downstream relay saw both senders whole");
            downstream.Stderr.Split("subscribed to").Length.Should().Be(3, "subscribed twice: at the start and after the restart");
        }
        finally
        {
            upstream.Dispose();
        }
    }

    private static async Task SendAsync(string to, uint streamId)
    {
        using var sender = ProgramProcess.Start("rawframes-send", "--to", to, "--source", "synthetic:320x240@200", "--frames", "100",
            "--stream-id", $"{streamId}", "--ack", "--json", "--quiet");
        (int exit, JsonElement sent) = await sender.WaitForSummaryAsync();
        exit.Should().Be(0, sender.Stderr);
        sent.GetProperty("acked").GetInt64().Should().Be(100);
    }

    private static Task<FrameConnection> SubscribeAsync(string relay, Subscription subscription) =>
        FrameConnection.ConnectAsync(FrameEndpoint.Parse(relay), new ConnectionOptions { Role = PeerRole.Consumer, Subscription = subscription });

    // The browser view's snapshot of stream 0, as soon as the stream is listed in /state.
    private static async Task<byte[]> SnapshotWhileLiveAsync(HttpClient http, string url)
    {
        for (int i = 0; i < 300; i++)
        {
            using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(url + "state"));
            if (state.RootElement.GetProperty("streams").GetArrayLength() > 0)
            {
                return await http.GetByteArrayAsync(url + "snapshot/0");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the relay's browser view never listed stream 0");
    }

}
