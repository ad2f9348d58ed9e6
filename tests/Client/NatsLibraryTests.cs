using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sources;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client;

/// <summary>
/// The library's FrameSender and FrameReceiver on nats:// URLs (PROTOCOL.md §19), through a real nats-server: frames
/// and metadata arrive whole and in order, each publisher is a SenderConnection of its own, the latest policy drops
/// (counted) and keeps the newest, and what NATS cannot do is refused in words.
/// </summary>
public sealed class NatsLibraryTests : IDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-nats-lib-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task FramesAndMetadata_ArriveWhole_InOrder_AndThePublishersEndEndsItsConnection()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory);
        SyntheticPattern pattern = SyntheticPattern.For(64, 48);
        await using FrameReceiver receiver = await FrameReceiver.SubscribeAsync(server.Url("cams.door"), options: new FrameReceiverOptions { Once = true });
        await using FrameSender sender = await FrameSender.ConnectAsync(server.Url("cams.door"), new FrameSenderOptions { StreamId = 3 });
        sender.Transport.Should().Be("nats");
        for (ulong sequence = 0; sequence < 50; sequence++)
        {
            (await sender.SendAsync(pattern.Frame(sequence), 64, 48, metadata: System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{sequence}}}"))).Should().BeTrue();
        }

        (await sender.CompleteAsync()).Should().BeTrue("the server has every frame and the END");

        var sequences = new List<ulong>();
        SenderConnection? publisher = null;
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.Payload.Span.SequenceEqual(pattern.Frame(frame.Sequence).Span).Should().BeTrue();
            (frame.StreamId, frame.MetadataIsJson, frame.MetadataText).Should().Be((3u, true, $"{{\"n\":{frame.Sequence}}}"));
            (frame.Sender.Transport, frame.CanReply).Should().Be(("nats", false));
            publisher = frame.Sender;
            sequences.Add(frame.Sequence);
        }

        sequences.Should().Equal(Enumerable.Range(0, 50).Select(n => (ulong)n));
        publisher!.End!.Reason.Should().Be("end of stream");
    }

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task APublisherKilledMidStream_IsLostAfterTheIdleTimeout_SayingWhy_AndEveryFrameBeforeItArrived()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory);
        await using FrameReceiver receiver = await FrameReceiver.SubscribeAsync(server.Url("cams.gone"),
            options: new FrameReceiverOptions { IdleTimeout = TimeSpan.FromSeconds(1) });
        using ProgramProcess camera = ProgramProcess.Start("rawframes-send", "--to", server.Url("cams.gone"), "--source", "synthetic:64x48@30", "--quiet");
        using var bound = new CancellationTokenSource(s_bound);
        await foreach (SenderConnection publisher in receiver.AcceptAllAsync().WithCancellation(bound.Token))
        {
            var sequences = new List<ulong>();
            await foreach (ReceivedFrame frame in publisher.ReadFramesAsync(bound.Token))
            {
                sequences.Add(frame.Sequence);
                if (sequences.Count == 10)
                {
                    camera.Kill(); // no END: the publisher is simply gone
                }
            }

            sequences.Should().HaveCountGreaterThanOrEqualTo(10).And.BeInAscendingOrder();
            publisher.End!.Kind.Should().Be(ConnectionEndKind.Lost);
            publisher.End.Reason.Should().Contain("no message from this publisher for 1 s (idle timeout)");
            break;
        }
    }

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task TwoPublishersOnOneSubject_AreTwoSenderConnections_EachWithItsOwnFramesInOrder()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory);
        await using FrameReceiver receiver = await FrameReceiver.SubscribeAsync(server.Url("cams.>"));
        await using FrameSender small = await FrameSender.ConnectAsync(server.Url("cams.door"));
        await using FrameSender large = await FrameSender.ConnectAsync(server.Url("cams.yard"));
        Task publishing = Task.WhenAll(PublishAsync(small, 32, 24), PublishAsync(large, 80, 60));

        var reading = new List<Task<(int Width, List<ulong> Sequences, string? End)>>();
        await foreach (SenderConnection connection in receiver.AcceptAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            reading.Add(ReadAsync(connection));
            if (reading.Count == 2)
            {
                break;
            }
        }

        await publishing;
        var results = await Task.WhenAll(reading).WaitAsync(s_bound);
        results.Select(r => r.Width).Should().BeEquivalentTo([32, 80]);
        results.Should().AllSatisfy(r => (r.Sequences.SequenceEqual(Enumerable.Range(0, 30).Select(n => (ulong)n)), r.End).Should().Be((true, "end of stream")));

        static async Task PublishAsync(FrameSender sender, int width, int height)
        {
            SyntheticPattern pattern = SyntheticPattern.For(width, height);
            for (ulong sequence = 0; sequence < 30; sequence++)
            {
                await sender.SendAsync(pattern.Frame(sequence), width, height);
            }

            await sender.CompleteAsync();
        }

        static async Task<(int, List<ulong>, string?)> ReadAsync(SenderConnection connection)
        {
            var sequences = new List<ulong>();
            int width = 0;
            await foreach (ReceivedFrame frame in connection.ReadFramesAsync())
            {
                frame.Payload.Span.SequenceEqual(SyntheticPattern.For(frame.Width, frame.Height).Frame(frame.Sequence).Span).Should().BeTrue("a publisher's frames are never mixed with another's");
                width = frame.Width;
                sequences.Add(frame.Sequence);
            }

            return (width, sequences, connection.End?.Reason);
        }
    }

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task UnderTheLatestPolicy_ASlowReader_GetsTheNewestFrame_AndEveryOtherIsCountedAsDropped()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory);
        SyntheticPattern pattern = SyntheticPattern.For(32, 24);
        await using FrameReceiver receiver = await FrameReceiver.SubscribeAsync(server.Url("cams.door"), new SubscriptionOptions { Policy = DeliveryPolicy.Latest },
            new FrameReceiverOptions { Once = true });
        await using FrameSender sender = await FrameSender.ConnectAsync(server.Url("cams.door"));
        var sequences = new List<ulong>();
        await sender.SendAsync(pattern.Frame(0), 32, 24);
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            if (sequences.Count == 0)
            {
                // Hold the first frame until all 200 are published: the ones waiting behind it are superseded.
                for (ulong sequence = 1; sequence < 200; sequence++)
                {
                    await sender.SendAsync(pattern.Frame(sequence), 32, 24);
                }

                (await sender.CompleteAsync()).Should().BeTrue();
                await ProgramProcess.WaitUntilAsync(() => receiver.Nats!.Dropped > 0, "frames waiting behind the held one are superseded");
            }

            sequences.Add(frame.Sequence);
        }

        sequences.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        sequences[^1].Should().Be(199, "the newest frame is kept");
        receiver.Nats!.Dropped.Should().BeGreaterThan(0);
        (sequences.Count + receiver.Nats!.Dropped).Should().Be(200, "every frame is either received or counted as dropped");
    }

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task WhatNatsCannotDo_IsRefusedInWords_AndAFrameOverMaxPayload_LeavesThePublisherGoing()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory, maxPayload: 1 << 20);
        int nobody = LoopbackPorts.Free();
        Func<Task> noServer = () => FrameSender.ConnectAsync($"nats://127.0.0.1:{nobody}/cams.door", new FrameSenderOptions { ConnectTimeout = TimeSpan.FromSeconds(1) });
        (await noServer.Should().ThrowAsync<ConnectFailedException>()).Which.Message.Should().Contain("is nats-server running there?");
        Func<Task> ack = () => FrameSender.ConnectAsync(server.Url("cams.door"), new FrameSenderOptions { Ack = true });
        (await ack.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("Ack (NATS has no way back to the publisher)");
        Func<Task> stream = () => FrameReceiver.SubscribeAsync(server.Url("cams.door"), new SubscriptionOptions { StreamId = 1 });
        (await stream.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("choose streams with the subject");

        await using FrameReceiver receiver = await FrameReceiver.SubscribeAsync(server.Url("cams.door"), options: new FrameReceiverOptions { Once = true });
        await using FrameSender sender = await FrameSender.ConnectAsync(server.Url("cams.door"));
        Func<Task> request = () => sender.RequestAsync(new byte[32 * 24 * 3], 32, 24);
        await request.Should().ThrowAsync<InvalidOperationException>();
        Func<Task> big = async () => await sender.SendAsync(new byte[1280 * 720 * 3], 1280, 720);
        (await big.Should().ThrowAsync<FrameTooLargeException>()).Which.Message.Should().Contain("over the NATS server's max_payload of 1,048,576");
        (await sender.SendAsync(new byte[32 * 24 * 3], 32, 24)).Should().BeTrue("a frame too large leaves the publisher going");
        (await sender.CompleteAsync()).Should().BeTrue();
        var sizes = new List<(int, int)>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            sizes.Add((frame.Width, frame.Height));
        }

        sizes.Should().Equal((32, 24));
    }

    [Theory]
    [InlineData("nats://127.0.0.1:4222/cams.door?nkey=/nonexistent/user.nk", "no NKey seed file /nonexistent/user.nk")]
    [InlineData("nats://127.0.0.1:4222/cams.door?key=x", "'key=x' is not one of ?ca=PATH")]
    [InlineData("nats://127.0.0.1:4222/cams..door", "is not a NATS subject")]
    [InlineData("nats://127.0.0.1/cams.door", "write nats://HOST:PORT/SUBJECT")]
    public async Task AnEndpointWrittenWrong_IsRefusedBeforeConnecting_InWords(string endpoint, string said)
    {
        Func<Task> connect = () => FrameSender.ConnectAsync(endpoint);
        (await connect.Should().ThrowAsync<FormatException>()).Which.Message.Should().Contain(said);
    }

    [Fact]
    public async Task ASeedFileWithoutASeed_IsRefusedInWords()
    {
        string file = Path.Combine(_directory, "not-a-seed.nk");
        await File.WriteAllTextAsync(file, "UABC\n");
        Func<Task> connect = () => FrameReceiver.SubscribeAsync($"nats://127.0.0.1:{LoopbackPorts.Free()}/cams.door?nkey={file}");
        (await connect.Should().ThrowAsync<FormatException>()).Which.Message.Should().Contain("holds no user NKey seed");
    }

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task AServerWithAToken_RefusesWithoutIt_AsAProtocolError_AndTakesItInTheUrl()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory, token: "s3cret");
        Func<Task> without = () => FrameReceiver.SubscribeAsync(server.Url("cams.door"));
        ProtocolException refused = (await without.Should().ThrowAsync<ProtocolException>()).Which;
        (refused.Code, refused.Message).Should().Match<(ErrorCode Code, string Message)>(r => r.Code == ErrorCode.Unauthorized && r.Message.Contains("refused the credentials"));
        await using FrameReceiver receiver = await FrameReceiver.SubscribeAsync(server.Url("cams.door", "s3cret"));
        receiver.Endpoint.Should().NotContain("s3cret", "credentials are never shown");
    }

    [Trait(Tier.Category, Tier.Process)]
    [Theory]
    [InlineData("nkey")]
    [InlineData("creds")]
    public async Task AServerThatKnowsUsersByKey_TakesAnNKeySeedFile_OrACredentialsFile_AndRefusesWithout(string kind)
    {
        (string file, string settings) = kind == "nkey" ? await NatsIdentities.NKeyUserAsync(_directory) : await NatsIdentities.CredentialsAsync(_directory);
        using NatsServer server = await NatsServer.StartAsync(_directory, settings: settings);
        Func<Task> without = () => FrameSender.ConnectAsync(server.Url("cams.door"));
        (await without.Should().ThrowAsync<ProtocolException>()).Which.Code.Should().Be(ErrorCode.Unauthorized);

        string url = server.Url("cams.door") + $"?{kind}={file}";
        await using FrameReceiver receiver = await FrameReceiver.SubscribeAsync(url, options: new FrameReceiverOptions { Once = true });
        await using FrameSender sender = await FrameSender.ConnectAsync(url);
        SyntheticPattern pattern = SyntheticPattern.For(32, 24);
        for (ulong sequence = 0; sequence < 10; sequence++)
        {
            await sender.SendAsync(pattern.Frame(sequence), 32, 24);
        }

        (await sender.CompleteAsync()).Should().BeTrue();
        long frames = 0;
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.Payload.Span.SequenceEqual(pattern.Frame(frame.Sequence).Span).Should().BeTrue();
            frames++;
        }

        frames.Should().Be(10);
    }

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task TheReadmesNatsExamples_Run_AndTheReadmeShowsThem()
    {
        using NatsServer server = await NatsServer.StartAsync(_directory);
        var output = new StringWriter();
        Task dashboard = DashboardExample(server.Url("cams.*.0.jpeg"), output);
        await server.WaitForSubscriptionsAsync(1);
        await CameraExample(server.Url("cams.door"));
        await dashboard.WaitAsync(s_bound);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().NotBeEmpty().And.OnlyContain(line => line.Contains("nats publisher") && line.EndsWith(": 1280x720", StringComparison.Ordinal));
        lines[^1].Should().Contain("#29", "under latest the newest frame always arrives");
        string[] blocks = ReadmeCode.CSharpBlocks();
        blocks.Should().Contain(ReadmeCode.Body(ThisFile(), nameof(CameraExample), ("url", "\"nats://nats-1:4222/cams.door\"")) + "\n\n" +
            ReadmeCode.Body(ThisFile(), nameof(DashboardExample), ("url", "\"nats://nats-2:4222/cams.*.0.jpeg\"")));
    }

    private static async Task CameraExample(string url)
    {
        byte[] bgr = new byte[1280 * 720 * 3]; // a camera's BGR pixels
        await using var camera = await FrameSender.ConnectAsync(url, new FrameSenderOptions { Codec = Codec.Jpeg });
        for (int i = 0; i < 30; i++)
        {
            await camera.SendAsync(bgr, 1280, 720); // published on cams.door.0.jpeg
        }
    }

    private static async Task DashboardExample(string url, TextWriter output)
    {
        await using var dashboard = await FrameReceiver.SubscribeAsync(url, new SubscriptionOptions { Policy = DeliveryPolicy.Latest });
        await foreach (ReceivedFrame frame in dashboard.ReadAllAsync())
        {
            // Each publisher is a SenderConnection; frames that came while this loop was busy are dropped
            output.WriteLine($"{frame.Sender.Remote} #{frame.Sequence}: {frame.Width}x{frame.Height}");
            if (frame.Sequence == 29)
            {
                break;
            }
        }
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string file = "") => file;
}
