using System.Threading.Channels;
using RawFrames.Client;
using RawFrames.Programs.Sources;

namespace RawFrames.Tests.Client.Serving;

/// <summary>
/// <see cref="FrameServer"/>, the public server rawframes-relay is composed of, hosted by a test as an application
/// would: real subscribers connect with <see cref="FrameReceiver.SubscribeAsync"/> and say in HELLO how they want frames.
/// </summary>
public sealed class FrameServerTests : IAsyncLifetime
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"rawframes-server-{Guid.NewGuid():N}.sock");
    private readonly SyntheticPattern _pattern = SyntheticPattern.For(64, 48);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        File.Delete(_socket);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Subscribers_GetThePublishersFrames_AsTheyAsked_AndAJpegIsMadeOncePerFrame_ForAllWhoWantIt()
    {
        var results = Channel.CreateUnbounded<FrameResult>();
        await using FrameServer server = await FrameServer.StartAsync([$"unix://{_socket}"],
            new FrameServerOptions { OnResult = result => results.Writer.TryWrite(result) });
        string endpoint = server.Endpoints.Single();
        await using FrameReceiver raw = await FrameReceiver.SubscribeAsync(endpoint, new SubscriptionOptions { QueueFrames = 64 });
        await using FrameReceiver jpegA = await FrameReceiver.SubscribeAsync(endpoint, new SubscriptionOptions { QueueFrames = 64, Codec = Codec.Jpeg });
        await using FrameReceiver jpegB = await FrameReceiver.SubscribeAsync(endpoint, new SubscriptionOptions { QueueFrames = 64, Codec = Codec.Jpeg });
        await server.WaitForSubscribersAsync(3, new CancellationTokenSource(s_bound).Token);

        // The publisher's own stream, sequence numbers and capture times, as a bridge or a replay has them.
        for (ulong sequence = 100; sequence < 120; sequence++)
        {
            server.Publish(FrameInfo.Raw(FrameFormat.Bgr24(64, 48), 7, sequence, 1_000 + (long)sequence), _pattern.Frame(sequence).Span, """{"camera":"door"}"""u8)
                .Should().BeTrue("three subscribers want stream 7");
        }

        Task completing = server.CompleteAsync(s_bound);
        List<(ulong Sequence, long Timestamp, string Metadata)> rawFrames = [];
        await foreach (ReceivedFrame frame in raw.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.StreamId.Should().Be(7);
            frame.Payload.Span.SequenceEqual(_pattern.Frame(frame.Sequence).Span).Should().BeTrue();
            rawFrames.Add((frame.Sequence, frame.TimestampNs, System.Text.Encoding.UTF8.GetString(frame.Metadata.Span)));
            if (frame.Sequence == 110)
            {
                await frame.ReplyJsonAsync("""{"people":2}""");
            }
        }

        foreach (FrameReceiver jpeg in new[] { jpegA, jpegB })
        {
            int count = 0;
            await foreach (ReceivedFrame frame in jpeg.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
            {
                frame.Codec.Should().Be(Codec.Jpeg);
                frame.Sequence.Should().Be(100 + (ulong)count++);
            }

            count.Should().Be(20, "lossless subscribers with room get every frame, then END");
        }

        await completing;
        rawFrames.Should().Equal([.. Enumerable.Range(100, 20).Select(i => ((ulong)i, 1_000L + i, """{"camera":"door"}"""))]);
        server.Conversions.Should().Equal(new Dictionary<Codec, long> { [Codec.Jpeg] = 20 }, "one JPEG per frame, however many subscribers want JPEG");
        FrameResult result = await results.Reader.ReadAsync(new CancellationTokenSource(s_bound).Token);
        (result.StreamId, result.Sequence, result.Text).Should().Be((7u, 110ul, """{"people":2}"""), "a subscriber's RESULT comes back on the frame it names");
        server.Subscribers.Select(subscriber => (subscriber.Id, subscriber.Sent, subscriber.Dropped)).Should().Equal((1, 20, 0), (2, 20, 0), (3, 20, 0));
        server.Subscribers.Should().OnlyContain(subscriber => subscriber.Ended == "the server stopped" || subscriber.Ended == "end of subscription");
    }

    [Fact]
    public async Task ALocalSubscription_UnderLatest_GetsTheNewestFrame_AndCountsWhatItDropped()
    {
        await using FrameServer server = await FrameServer.StartAsync([]);
        await using LocalSubscription newest = server.Subscribe(new LocalSubscriptionOptions { Name = "dashboard", Policy = DeliveryPolicy.Latest });
        await using LocalSubscription other = server.Subscribe(new LocalSubscriptionOptions { StreamId = 9 });

        for (ulong sequence = 0; sequence < 5; sequence++)
        {
            server.Publish(FrameInfo.Raw(FrameFormat.Bgr24(64, 48), 1, sequence, 0), _pattern.Frame(sequence).Span);
        }

        await server.CompleteAsync(s_bound);
        var got = new List<ulong>();
        await foreach (ServedFrame frame in newest.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.Payload.Span.SequenceEqual(_pattern.Frame(frame.Info.Sequence).Span).Should().BeTrue();
            frame.As(Codec.Jpeg).Info.Codec.Should().Be(Codec.Jpeg, "a local subscriber can ask for the shared JPEG too");
            got.Add(frame.Info.Sequence);
        }

        got.Should().Equal([4UL], "nothing read while five came: only the newest waited");
        (newest.Id, newest.Remote, newest.Offered, newest.Dropped, newest.Sent).Should().Be((-1, "dashboard", 5, 4, 1));
        other.Offered.Should().Be(0, "it takes stream 9 only");
        server.Unwatched.Should().Be(0);
    }

    [Fact]
    public async Task AFrameNoReceiverWouldTake_IsRefusedInWords_AndAFrameNobodyWants_IsNotCopied()
    {
        await using FrameServer server = await FrameServer.StartAsync([]);

        Action tooShort = () => server.Publish(FrameInfo.Raw(FrameFormat.Bgr24(64, 48), 1, 0, 0), new byte[100]);

        tooShort.Should().Throw<ArgumentException>().Which.Message.Should().Contain("payload");
        server.Publish(FrameInfo.Raw(FrameFormat.Bgr24(64, 48), 1, 0, 0), _pattern.Frame(0).Span).Should().BeFalse("no subscriber");
        server.Unwatched.Should().Be(1);
    }

    [Fact]
    public async Task AnEndpointInUse_IsRefusedInWords()
    {
        await using FrameServer first = await FrameServer.StartAsync([$"unix://{_socket}"]);

        Func<Task> second = () => FrameServer.StartAsync([$"unix://{_socket}"]);

        (await second.Should().ThrowAsync<IOException>()).Which.Message.Should().Contain(_socket);
    }
}
