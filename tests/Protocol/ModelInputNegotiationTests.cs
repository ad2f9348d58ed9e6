using RawFrames.Client;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Tests.Protocol;

/// <summary>
/// PROTOCOL.md §5, §7.2: model inputs (pixel formats 8-13, the batch flag) travel only where both HELLOs set
/// MODEL_INPUTS. A producer refuses to send one to a consumer that did not say it can read them, in words and before a
/// byte is written; a server serving them leaves them out for such a subscriber, or, serving nothing else, refuses it.
/// </summary>
public sealed class ModelInputNegotiationTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private static readonly TensorSpec s_spec = new(4, 2);

    [Fact]
    public async Task AProducer_RefusesToSendAModelInput_ToAConsumerThatDidNotAnnounceIt_AndSendsOtherFramesOn()
    {
        (FrameConnection producer, FrameConnection consumer) = await ConnectAsync(consumerCapabilities: Capabilities.None);
        await using FrameConnection disposeProducer = producer;
        await using FrameConnection disposeConsumer = consumer;

        FrameHeader tensor = FrameInfo.ForTensor(s_spec, 0, 1, 1).ToWireHeader(0);
        Func<Task> sending = async () => await producer.SendFrameAsync(tensor, default, new byte[s_spec.ByteCount]);

        producer.Negotiated.HasFlag(Capabilities.ModelInputs).Should().BeFalse("the consumer's HELLO did not set bit 3");
        (await sending.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("MODEL_INPUTS");
        await producer.SendFrameAsync(FrameHeader.ForRaw(PixelFormat.Bgr24, 2, 2, 0, 0, 2, 1), default, new byte[12]);
        Message next = await consumer.ReadAsync().AsTask().WaitAsync(s_bound);
        (next.Type, next.Frame.Sequence).Should().Be((MessageType.Frame, 2UL), "nothing of the refused frame reached the wire");
    }

    [Fact]
    public async Task AConsumerThatAnnouncedModelInputs_ReadsThem_WhenTheProducerDidToo()
    {
        (FrameConnection producer, FrameConnection consumer) = await ConnectAsync(consumerCapabilities: Capabilities.ModelInputs);
        await using FrameConnection disposeProducer = producer;
        await using FrameConnection disposeConsumer = consumer;

        await producer.SendFrameAsync(FrameInfo.ForTensor(s_spec, 0, 1, 1, isBatch: true).ToWireHeader(0), default, new byte[2 * s_spec.ByteCount]);

        Message message = await consumer.ReadAsync().AsTask().WaitAsync(s_bound);
        (message.Frame.PixelFormat, message.Frame.Flags.HasFlag(FrameFlags.Batch), message.Payload.Length).Should()
            .Be((PixelFormat.RgbF32Planar, true, 2 * s_spec.ByteCount));
    }

    [Fact]
    public async Task AServer_LeavesModelInputsOut_ForASubscriberThatCannotReadThem_AndServesItTheRest()
    {
        await using FrameServer server = await FrameServer.StartAsync(["tcp://127.0.0.1:0"]);
        await using FrameConnection subscriber = await FrameConnection.ConnectAsync(FrameEndpoint.Parse(server.Endpoints.Single()),
            new ConnectionOptions { Role = PeerRole.Consumer, Capabilities = Capabilities.None });
        await server.WaitForSubscribersAsync(1, new CancellationTokenSource(s_bound).Token);

        server.Publish(FrameInfo.ForTensor(s_spec, 0, 1, 1), new byte[s_spec.ByteCount]);
        server.Publish(FrameInfo.Raw(FrameFormat.Bgr24(2, 2), 0, 2, 1), new byte[12]);

        Message message = await subscriber.ReadAsync().AsTask().WaitAsync(s_bound);
        (message.Type, message.Frame.Sequence).Should().Be((MessageType.Frame, 2UL));
        server.Subscribers.Single().Unreadable.Should().Be(1);
    }

    [Fact]
    public async Task AServerOfModelInputs_RefusesASubscriberThatCannotReadThem_InWords()
    {
        await using FrameServer server = await FrameServer.StartAsync(["tcp://127.0.0.1:0"], new FrameServerOptions { ServesModelInputs = true });
        await using FrameConnection subscriber = await FrameConnection.ConnectAsync(FrameEndpoint.Parse(server.Endpoints.Single()),
            new ConnectionOptions { Role = PeerRole.Consumer, Capabilities = Capabilities.None });

        Message message = await subscriber.ReadAsync().AsTask().WaitAsync(s_bound);

        message.Type.Should().Be(MessageType.Error, "the server answers the HELLO with ERROR, not frames");
        ErrorMessage refused = message.ReadError();
        refused.Code.Should().Be(ErrorCode.NotCapable);
        refused.Reason.Should().Contain("MODEL_INPUTS").And.Contain("model inputs");
        server.SubscriberCount.Should().Be(0);
    }

    // A producer that may send model inputs, connected to a consumer that announces what it is given.
    private static async Task<(FrameConnection Producer, FrameConnection Consumer)> ConnectAsync(Capabilities consumerCapabilities)
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<FrameConnection> accepting = Task.Run(async () => await FrameConnection.AcceptAsync(await listener.AcceptAsync(CancellationToken.None),
            new ConnectionOptions { Role = PeerRole.Consumer, Capabilities = consumerCapabilities }));
        FrameConnection producer = await FrameConnection.ConnectAsync(listener.Endpoint,
            new ConnectionOptions { Role = PeerRole.Producer, Capabilities = Capabilities.ModelInputs });
        return (producer, await accepting);
    }
}
