using System.Buffers;
using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;
using RawFrames.Programs.Sources;
using RawFrames.Programs.Verification;

namespace RawFrames.Tests.Protocol;

/// <summary>PROTOCOL.md §15 over real Unix sockets and /dev/shm, producer and consumer in this process.</summary>
public sealed class SharedMemoryTransportTests : IAsyncLifetime
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"rawframes-shm-{Guid.NewGuid():N}.sock");
    private FrameListener _listener = null!;

    public async Task InitializeAsync() => _listener = await FrameListener.StartAsync(FrameEndpoint.Parse($"unix://{_path}"));

    public Task DisposeAsync()
    {
        _listener.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Frames_TravelThroughTheRing_ArriveVerified_AndLeaveNoFileBehind()
    {
        var pattern = SyntheticPattern.For(641, 360, 2048);
        (FrameConnection producer, FrameConnection consumer) = await ConnectAsync();
        await using (producer)
        await using (consumer)
        {
            Task sending = SendPatternAsync(producer, pattern, frames: 200);
            for (int i = 0; i < 200; i++)
            {
                Message message = await consumer.ReadAsync().AsTask().WaitAsync(s_bound);
                message.Type.Should().Be(MessageType.Frame);
                message.Frame.Sequence.Should().Be((ulong)i);
                message.Payload.IsSingleSegment.Should().BeTrue("a shared-memory payload is one slot, read in place");
                SyntheticFrameVerifier.Check(FrameInfo.Of(message.Frame), message.Payload.ToArray()).Should().BeNull();
            }

            await sending;
            producer.TransportName.Should().Be("shared memory");
            consumer.TransportName.Should().Be("shared memory");
            RingAnnouncement ring = consumer.SharedMemoryRing!;
            ring.SlotSize.Should().Be(2048 * 360, "the slots are sized to the first frame, a multiple of 4 KiB");
            File.Exists(ring.Path).Should().BeFalse("the consumer unlinks the ring's name once it has it mapped");
        }
    }

    [Fact]
    public async Task ConsumerThatHoldsEverySlot_BlocksTheProducer_UntilItReadsOn()
    {
        var pattern = SyntheticPattern.For(64, 64);
        (FrameConnection producer, FrameConnection consumer) = await ConnectAsync(slots: 2);
        await using (producer)
        await using (consumer)
        {
            Task reading = ReadInboundAsync(producer);
            await SendAsync(producer, pattern, 0);
            await SendAsync(producer, pattern, 1);
            Task third = SendAsync(producer, pattern, 2).AsTask();

            (await consumer.ReadAsync()).Frame.Sequence.Should().Be(0);
            // The consumer holds slot 0 and slot 1 is queued: no slot is free until the consumer asks for more.
            third.IsCompleted.Should().BeFalse("both slots are held by the consumer");

            (await consumer.ReadAsync()).Frame.Sequence.Should().Be(1); // releases slot 0
            await third.WaitAsync(s_bound);
            (await consumer.ReadAsync()).Frame.Sequence.Should().Be(2);
            reading.IsCompleted.Should().BeFalse();
        }
    }

    [Fact]
    public async Task ConsumerThatDies_FailsAProducerWaitingForASlot_InsteadOfWedgingIt()
    {
        var pattern = SyntheticPattern.For(64, 64);
        (FrameConnection producer, FrameConnection consumer) = await ConnectAsync(slots: 1);
        await using (producer)
        {
            Task reading = ReadInboundAsync(producer);
            await SendAsync(producer, pattern, 0);
            Task blocked = SendAsync(producer, pattern, 1).AsTask();
            blocked.IsCompleted.Should().BeFalse();

            await consumer.DisposeAsync(); // never released slot 0

            Func<Task> wait = () => blocked.WaitAsync(s_bound);
            await wait.Should().ThrowAsync<IOException>();
            await reading.WaitAsync(s_bound);
        }
    }

    [Fact]
    public async Task ProducerThatDies_LeavesTheHeldFrameReadable_AndTheConsumerSeesTheEnd()
    {
        var pattern = SyntheticPattern.For(320, 240);
        (FrameConnection producer, FrameConnection consumer) = await ConnectAsync();
        await using (consumer)
        {
            await SendAsync(producer, pattern, 5);
            Message frame = await consumer.ReadAsync();
            byte[] before = frame.Payload.ToArray();

            producer.Abort();
            await producer.DisposeAsync(); // unmaps and deletes its side of the ring

            frame.Payload.ToArray().Should().Equal(before, "the consumer's own mapping keeps the frame it holds");
            before.Should().Equal(pattern.Frame(5).ToArray());
            Message next = await consumer.ReadAsync().AsTask().WaitAsync(s_bound);
            next.IsConnectionClosed.Should().BeTrue();
        }
    }

    [Fact]
    public async Task FrameLargerThanTheSlots_TravelsInline_AndArrivesIntact()
    {
        var small = SyntheticPattern.For(64, 64);
        var large = SyntheticPattern.For(256, 256);
        (FrameConnection producer, FrameConnection consumer) = await ConnectAsync();
        await using (producer)
        await using (consumer)
        {
            Task reading = ReadInboundAsync(producer);
            await SendAsync(producer, small, 0);
            await SendAsync(producer, large, 1);

            Message first = await consumer.ReadAsync();
            first.Payload.ToArray().Should().Equal(small.Frame(0).ToArray());
            Message second = await consumer.ReadAsync();
            second.Frame.Width.Should().Be(256);
            second.Payload.ToArray().Should().Equal(large.Frame(1).ToArray());
            consumer.SharedMemoryRing!.SlotSize.Should().Be(12288, "sized by the first frame (64x64x3), so the second went inline");
        }
    }

    [Fact]
    public async Task LoanDisposedUnsent_GivesItsSlotBack()
    {
        (FrameConnection producer, FrameConnection consumer) = await ConnectAsync(slots: 1);
        await using (producer)
        await using (consumer)
        {
            FrameLoan first = (await producer.LoanAsync(4096))!;
            first.Payload.Length.Should().Be(4096);
            first.Dispose();

            using FrameLoan second = (await producer.LoanAsync(4096).AsTask().WaitAsync(s_bound))!;
            second.Payload.Length.Should().Be(4096, "the only slot was free again");
            await second.SendAsync(FrameHeader.ForRaw(PixelFormat.Gray8, 64, 64, 0, 1, 0, 0));
            Func<Task> again = async () => await second.SendAsync(FrameHeader.ForRaw(PixelFormat.Gray8, 64, 64, 0, 1, 1, 0));
            await again.Should().ThrowAsync<InvalidOperationException>();
            (await consumer.ReadAsync()).Frame.PixelFormat.Should().Be(PixelFormat.Gray8);
        }
    }

    [Fact]
    public async Task TcpConnection_NeverNegotiatesSharedMemory()
    {
        using var tcp = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<FrameConnection> accepting = AcceptAsync(tcp);
        await using FrameConnection producer = await FrameConnection.ConnectAsync(tcp.Endpoint,
            new ConnectionOptions { Role = PeerRole.Producer, Capabilities = Capabilities.SharedMemory });
        await using FrameConnection consumer = await accepting;

        producer.LocalHello.Capabilities.Should().NotHaveFlag(Capabilities.SharedMemory);
        consumer.Negotiated.Should().NotHaveFlag(Capabilities.SharedMemory);
        consumer.TransportName.Should().Be("tcp");
    }

    [Fact]
    public async Task UnixEndpoint_WithoutShmScheme_KeepsFramesOnTheSocket()
    {
        Task<FrameConnection> accepting = AcceptAsync(_listener);
        await using FrameConnection producer = await FrameConnection.ConnectAsync(FrameEndpoint.Parse($"unix://{_path}"), new ConnectionOptions { Role = PeerRole.Producer });
        await using FrameConnection consumer = await accepting;

        consumer.Negotiated.Should().NotHaveFlag(Capabilities.SharedMemory);
        consumer.TransportName.Should().Be("unix socket");
    }

    private async Task<(FrameConnection Producer, FrameConnection Consumer)> ConnectAsync(int slots = 4)
    {
        Task<FrameConnection> accepting = AcceptAsync(_listener);
        FrameConnection producer = await FrameConnection.ConnectAsync(FrameEndpoint.Parse($"shm://{_path}"),
            new ConnectionOptions { Role = PeerRole.Producer, SharedMemorySlots = slots });
        return (producer, await accepting);
    }

    private static async Task<FrameConnection> AcceptAsync(FrameListener listener) =>
        await FrameConnection.AcceptAsync(await listener.AcceptAsync(CancellationToken.None),
            new ConnectionOptions { Role = PeerRole.Consumer, Capabilities = Capabilities.SharedMemory });

    // A producer must read what comes back: RELEASE frees its slots.
    private static async Task ReadInboundAsync(FrameConnection producer)
    {
        try
        {
            while (!(await producer.ReadAsync()).IsConnectionClosed)
            {
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
        }
    }

    private static async Task SendPatternAsync(FrameConnection producer, SyntheticPattern pattern, int frames)
    {
        Task reading = ReadInboundAsync(producer);
        for (int i = 0; i < frames; i++)
        {
            await SendAsync(producer, pattern, (ulong)i);
        }

        _ = reading;
    }

    private static ValueTask SendAsync(FrameConnection producer, SyntheticPattern pattern, ulong sequence) =>
        producer.SendFrameAsync(FrameHeader.ForRaw(PixelFormat.Bgr24, pattern.Width, pattern.Height, pattern.Stride, 1, sequence, 0),
            ReadOnlyMemory<byte>.Empty, pattern.Frame(sequence));
}
