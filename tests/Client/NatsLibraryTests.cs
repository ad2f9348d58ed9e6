using RawFrames.Client;
using RawFrames.Protocol;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming.Sources;
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
            }

            sequences.Add(frame.Sequence);
        }

        sequences.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        sequences[^1].Should().Be(199, "the newest frame is kept");
        receiver.NatsDropped.Should().BeGreaterThan(0);
        (sequences.Count + receiver.NatsDropped).Should().Be(200, "every frame is either received or counted as dropped");
    }

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
}
