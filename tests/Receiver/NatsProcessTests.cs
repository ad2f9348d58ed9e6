using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// rawframes-send --to nats:// and rawframes-recv --from nats:// through real nats-servers (PROTOCOL.md §19): one
/// server, a cluster of three with routes, a server killed and restarted mid-stream, the max_payload refusal, a token,
/// and two publishers on one subject kept apart.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class NatsProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-nats-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ProgramProcess Receive(string url, params string[] more) =>
        ProgramProcess.Start("rawframes-recv", ["--from", url, "--verify", "--json", "--quiet", .. more]);

    private static ProgramProcess Send(string url, params string[] more) =>
        ProgramProcess.Start("rawframes-send", ["--to", url, "--json", "--quiet", .. more]);

    [Theory]
    [InlineData("--source", "synthetic:640x360")]
    [InlineData("--source", "synthetic:640x360", "--codec", "jpeg")]
    public async Task ThroughOneServer_EveryFrameArrivesAndVerifies(params string[] source)
    {
        using NatsServer server = await NatsServer.StartAsync(_directory);
        using ProgramProcess receiver = Receive(server.Url("cams.door"), "--once");
        await receiver.WaitUntilSaidAsync("subscribed to cams.door.>");
        using ProgramProcess sender = Send(server.Url("cams.door"), [.. source, "--frames", "120"]);
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();
        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        (sent.GetProperty("transport").GetString(), sent.GetProperty("frames").GetInt64()).Should().Be(("nats", 120L));
        (received.GetProperty("frames").GetInt64(), received.GetProperty("gaps").GetInt64(), received.GetProperty("verify_failures").GetInt64()).Should().Be((120L, 0L, 0L));
        received.GetProperty("streams")[0].GetProperty("end").GetString().Should().Be("end of stream");
    }

    [Fact]
    public async Task ThroughAClusterOfThree_ThePublisherOnOneNode_SubscribersOnTheOthers_GetEveryFrame()
    {
        int[] clusterPorts = [LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free()];
        var servers = new List<NatsServer>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                servers.Add(await NatsServer.StartAsync(_directory, routes: [.. clusterPorts.Where((_, j) => j != i)], clusterPort: clusterPorts[i]));
            }

            foreach (NatsServer server in servers)
            {
                await server.WaitForRoutesAsync(2);
            }

            using ProgramProcess second = Receive(servers[1].Url("site.cams.>"), "--once");
            using ProgramProcess third = Receive(servers[2].Url("site.cams.*.0.raw"), "--once");
            await second.WaitUntilSaidAsync("subscribed to site.cams.>");
            await third.WaitUntilSaidAsync("subscribed to site.cams.*.0.raw");
            await servers[0].WaitForSubscriptionsAsync(2); // both subscriptions have reached the publisher's node over the routes
            using ProgramProcess sender = Send(servers[0].Url("site.cams.door"), "--source", "synthetic:320x240", "--frames", "150");
            (int sendExit, _) = await sender.WaitForSummaryAsync();
            sendExit.Should().Be(0, sender.Stderr);
            foreach (ProgramProcess receiver in new[] { second, third })
            {
                (int exit, JsonElement received) = await receiver.WaitForSummaryAsync();
                exit.Should().Be(0, receiver.Stderr);
                (received.GetProperty("frames").GetInt64(), received.GetProperty("gaps").GetInt64(), received.GetProperty("verify_failures").GetInt64())
                    .Should().Be((150L, 0L, 0L));
            }
        }
        finally
        {
            servers.ForEach(server => server.Dispose());
        }
    }

    [Fact]
    public async Task AServerKilledAndRestarted_SenderAndReceiverCarryOn_AndTheGapsAreCountedExactly()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory);
        using ProgramProcess receiver = Receive(server.Url("cams.yard"), "--once");
        await receiver.WaitUntilSaidAsync("subscribed to");
        using ProgramProcess sender = Send(server.Url("cams.yard"), "--source", "synthetic:160x120", "--fps", "100", "--frames", "400");
        await receiver.WaitUntilSaidAsync("publisher ");
        server.Kill();
        await sender.WaitUntilSaidAsync("lost the NATS server");
        await server.RestartAsync();
        await receiver.WaitUntilSaidAsync("connected to the NATS server");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();
        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        sent.GetProperty("frames").GetInt64().Should().Be(400);
        JsonElement stream = received.GetProperty("streams")[0];
        long span = (long)(stream.GetProperty("last_sequence").GetUInt64() - stream.GetProperty("first_sequence").GetUInt64() + 1);
        (stream.GetProperty("frames").GetInt64() + stream.GetProperty("gaps").GetInt64()).Should().Be(span, "every sequence number is a frame or a counted gap");
        stream.GetProperty("last_sequence").GetUInt64().Should().Be(399, "the stream went on after the restart");
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task AFrameOverMaxPayload_IsRefusedBeforeSending_NamingTheServerSetting()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory, maxPayload: 1 << 20);
        using ProgramProcess sender = Send(server.Url("cams.big"), "--source", "synthetic:1920x1080", "--frames", "3");
        (int exit, JsonElement sent) = await sender.WaitForSummaryAsync();
        exit.Should().Be(1);
        sent.GetProperty("error").GetString().Should().Contain("over the NATS server's max_payload of 1,048,576").And.Contain("raise max_payload");
        sender.Stderr.Should().NotContain("   at ", "one line, no stack trace");
    }

    [Fact]
    public async Task TwoPublishersOnOneSubject_WithOneStreamId_AreKeptApart_AndATokenIsRequired()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory, token: "s3cret");
        using ProgramProcess refused = Send(server.Url("cams.door"), "--frames", "1", "--connect-timeout", "1");
        (int refusedExit, JsonElement refusal) = await refused.WaitForSummaryAsync();
        refusedExit.Should().Be(1);
        refusal.GetProperty("error").GetString().Should().Contain("the NATS server refused the credentials");

        // Both publishers must be on the subject at once: the first goes on until told to stop, and the second starts
        // once the first has published, so the receiver holds both publishers' stream 0 together.
        using ProgramProcess receiver = Receive(server.Url("cams.door", "s3cret"));
        await receiver.WaitUntilSaidAsync("subscribed to");
        using ProgramProcess first = Send(server.Url("cams.door", "s3cret"), "--source", "synthetic:64x48", "--fps", "100");
        await first.WaitUntilSaidAsync("publishing on ");
        using ProgramProcess second = Send(server.Url("cams.door", "s3cret"), "--source", "synthetic:80x60", "--fps", "100", "--frames", "40");
        (int secondExit, _) = await second.WaitForSummaryAsync();
        secondExit.Should().Be(0, second.Stderr);
        await receiver.WaitUntilSaidAsync("is kept apart as stream 1");
        first.Signal("INT");
        (int firstExit, _) = await first.WaitForSummaryAsync();
        firstExit.Should().Be(0, first.Stderr);
        receiver.Signal("INT");
        (int exit, JsonElement received) = await receiver.WaitForSummaryAsync();
        exit.Should().Be(0, receiver.Stderr);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0, "frames of the two sizes were never mixed in one stream");
        received.GetProperty("streams").EnumerateArray().Select(stream => (stream.GetProperty("stream_id").GetInt64(), stream.GetProperty("sent_as").GetInt64()))
            .Should().BeEquivalentTo([(0L, 0L), (1L, 0L)], "each publisher's stream 0 is a stream of its own");
        receiver.Stderr.Should().Contain("is kept apart as stream 1");
    }

    [Fact]
    public async Task TheRelayBridgesBothWays_RawFramesIntoNats_AndNatsIntoRawFrames()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory);
        // Camera -> relay A (RawFrames in, NATS out) -> NATS -> relay B (NATS in, RawFrames out) -> a RawFrames subscriber.
        string producers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string servedB = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var relayB = ProgramProcess.Start("rawframes-relay", "--no-listen", "--from", server.Url("site.cam"), "--serve", servedB, "--once", "--json", "--quiet");
        await relayB.WaitUntilSaidAsync("subscribed to site.cam.>");
        // A queue at relay B that holds the whole stream: NATS hands frames on in bursts, faster than the camera's pace.
        using ProgramProcess subscriber = ProgramProcess.Start("rawframes-recv", "--from", servedB, "--queue", "64", "--verify", "--once", "--json", "--quiet");
        await relayB.WaitUntilSaidAsync("subscriber 1:");
        // Queues that hold the whole stream (--queue 64): on a loaded machine publishing may briefly lag the camera.
        using var relayA = ProgramProcess.Start("rawframes-relay", "--listen", producers, "--serve", $"tcp://127.0.0.1:{LoopbackPorts.Free()}",
            "--publish", server.Url("site.cam"), "--queue", "64", "--once", "--json", "--quiet");
        await relayA.WaitUntilSaidAsync("publishing on ");
        // At a camera's pace: an unpaced burst would fill the relay's queue for NATS, which then keeps the newest frames (as for any subscriber).
        using ProgramProcess camera = Send(producers, "--source", "synthetic:320x240", "--fps", "100", "--frames", "60");
        (int cameraExit, _) = await camera.WaitForSummaryAsync();
        cameraExit.Should().Be(0, camera.Stderr);
        (int aExit, JsonElement a) = await relayA.WaitForSummaryAsync();
        aExit.Should().Be(0, relayA.Stderr);
        (int bExit, JsonElement b) = await relayB.WaitForSummaryAsync();
        bExit.Should().Be(0, relayB.Stderr);
        a.GetProperty("subscriptions")[0].GetProperty("sent").GetInt64().Should().Be(60, "relay A published every frame");
        b.GetProperty("producers").GetInt64().Should().Be(1, "relay B saw one NATS publisher, and its END");
        (int exit, JsonElement received) = await subscriber.WaitForSummaryAsync();
        exit.Should().Be(0, subscriber.Stderr);
        (received.GetProperty("frames").GetInt64(), received.GetProperty("gaps").GetInt64(), received.GetProperty("verify_failures").GetInt64()).Should().Be((60L, 0L, 0L));
    }

    [Fact]
    public async Task OverTls_WithTheServersCa_FramesArrive_AndWithoutIt_TheConnectionIsRefusedInWords()
    {
        // A private CA and a server certificate for 127.0.0.1, made with openssl.
        string ca = Path.Combine(_directory, "ca.pem");
        string caKey = Path.Combine(_directory, "ca.key");
        string certificate = Path.Combine(_directory, "server.pem");
        string key = Path.Combine(_directory, "server.key");
        string request = Path.Combine(_directory, "server.csr");
        string extensions = Path.Combine(_directory, "san.ext");
        await File.WriteAllTextAsync(extensions, "subjectAltName=IP:127.0.0.1\n");
        await Commands.RunAsync("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", ca,
            "-subj", "/CN=rawframes-test-ca", "-days", "2");
        await Commands.RunAsync("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", request,
            "-subj", "/CN=127.0.0.1");
        await Commands.RunAsync("openssl", "x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", certificate, "-days", "2",
            "-extfile", extensions);
        using NatsServer server = await NatsServer.StartAsync(_directory, tls: (certificate, key));
        string url = $"nats+tls://127.0.0.1:{server.Port}/cams.secure?ca={ca}";

        using ProgramProcess refused = Send(server.Url("cams.secure"), "--frames", "1", "--connect-timeout", "1");
        (int refusedExit, JsonElement refusal) = await refused.WaitForSummaryAsync();
        refusedExit.Should().Be(1, "the server's certificate is not signed by a root this machine trusts");
        refusal.GetProperty("error").GetString().Should().Contain("no NATS server took the connection");

        using ProgramProcess receiver = Receive(url, "--once");
        await receiver.WaitUntilSaidAsync("subscribed to");
        using ProgramProcess sender = Send(url, "--source", "synthetic:160x120", "--frames", "30");
        (int sendExit, _) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();
        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        (received.GetProperty("frames").GetInt64(), received.GetProperty("verify_failures").GetInt64()).Should().Be((30L, 0L));
    }
}
