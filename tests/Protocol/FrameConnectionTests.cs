using RawFrames.Client;
using RawFrames.Tests.Support;
using System.Buffers;
using System.Net.Sockets;
using System.Text;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sources;
using RawFrames.Programs.Verification;

namespace RawFrames.Tests.Protocol;

public sealed class FrameConnectionTests
{
    private static readonly ConnectionOptions s_producer = new() { Role = PeerRole.Producer, Software = "test-producer" };
    private static readonly ConnectionOptions s_consumer = new() { Role = PeerRole.Consumer, Software = "test-consumer" };

    [Fact]
    public async Task Loopback_ThousandRawFrames_ArriveInOrderAndVerified()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        (int verified, ulong lastSequence) = await StreamAsync(listener, width: 1280, height: 720, stride: 0, frames: 1000);

        verified.Should().Be(1000);
        lastSequence.Should().Be(999);
    }

    [Fact]
    public async Task UnixSocket_FramesWithPaddedStride_ArriveVerified()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawframes-test-{Guid.NewGuid():N}.sock");
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse($"unix://{path}"));
        (int verified, _) = await StreamAsync(listener, width: 641, height: 480, stride: 2048, frames: 200);

        verified.Should().Be(200);
    }

    [Fact]
    public async Task Opening_PeerWithAnotherVersion_IsRefusedWithAReadableError()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<Exception?> accepting = AcceptExpectingFailureAsync(listener);
        using var client = await RawClientAsync(listener);

        await client.SendAsync(new byte[] { (byte)'R', (byte)'F', (byte)'R', (byte)'M', 2, 0, 0, 0 });
        byte[] reply = await ReadToEndAsync(client);

        reply.AsSpan(0, 8).ToArray().Should().Equal((byte)'R', (byte)'F', (byte)'R', (byte)'M', 1, 0, 0, 0);
        reply[12].Should().Be((byte)MessageType.Error);
        BitConverter.ToUInt32(reply, 16).Should().Be((uint)ErrorCode.UnsupportedVersion);
        Encoding.UTF8.GetString(reply, 20, reply.Length - 20).Should().Contain("version 2");
        ((ProtocolException?)await accepting)!.Code.Should().Be(ErrorCode.UnsupportedVersion);
    }

    [Fact]
    public async Task Opening_HttpClient_GetsAnHttp400ThatNamesTheProtocol()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<Exception?> accepting = AcceptExpectingFailureAsync(listener);
        using var client = await RawClientAsync(listener);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        string reply = Encoding.UTF8.GetString(await ReadToEndAsync(client));

        reply.Should().StartWith("HTTP/1.1 400 Bad Request").And.Contain("RawFrames");
        ((ProtocolException?)await accepting)!.Code.Should().Be(ErrorCode.BadMagic);
    }

    [Fact]
    public async Task Opening_TwoProducers_AreRefused()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<Exception?> accepting = AcceptExpectingFailureAsync(listener, s_producer);

        Func<Task> connect = () => FrameConnection.ConnectAsync(listener.Endpoint, s_producer);

        (await connect.Should().ThrowAsync<ProtocolException>()).Which.Message.Should().Contain("refused").And.Contain("producer");
        ((ProtocolException?)await accepting)!.Code.Should().Be(ErrorCode.UnexpectedMessage);
    }

    [Fact]
    public async Task ConsumerEnd_AsksTheProducerToStop_AndBothSidesEndCleanly()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        (FrameConnection producer, FrameConnection consumer) = await OpenPairAsync(listener);
        await using (producer)
        await using (consumer)
        {
            await consumer.SendEndAsync();
            Message atProducer = await producer.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await producer.SendEndAsync();
            Message atConsumer = await consumer.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

            atProducer.Type.Should().Be(MessageType.End);
            atConsumer.Type.Should().Be(MessageType.End);
            producer.PeerHello.Software.Should().Be("test-consumer");
            consumer.PeerHello.Software.Should().Be("test-producer");
        }
    }

    [Fact]
    public async Task Ping_IsAnsweredByTheReadLoop()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        (FrameConnection producer, FrameConnection consumer) = await OpenPairAsync(listener);
        await using (producer)
        await using (consumer)
        {
            Task<Message> consumerReads = consumer.ReadAsync().AsTask();

            await producer.SendPingAsync(77);
            await producer.SendEndAsync();
            // The consumer answers the PING with a PONG, which the producer's read loop swallows before the END.
            (await consumerReads.WaitAsync(TimeSpan.FromSeconds(10))).Type.Should().Be(MessageType.End);
            await consumer.SendEndAsync();
            (await producer.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Type.Should().Be(MessageType.End);
        }
    }

    [Fact]
    public async Task QuietConnection_WithIdleTimeouts_StaysOpen_BecauseBothSidesPing()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        // Generous: a timer tick or a ping delayed by half a second on a busy machine must not look like a dead peer.
        TimeSpan timeout = TimeSpan.FromSeconds(2.5);
        (FrameConnection producer, FrameConnection consumer) = await OpenPairAsync(listener,
            s_producer with { IdleTimeout = timeout }, s_consumer with { IdleTimeout = timeout });
        await using (producer)
        await using (consumer)
        {
            Task<Message> producerReads = producer.ReadAsync().AsTask();
            Task<Message> consumerReads = consumer.ReadAsync().AsTask();

            // Silence from the application while each side's PINGs are answered seven times: PINGs go every third of
            // the timeout, so the connections outlive two timeouts with nothing but PINGs and PONGs crossing.
            await ProgramProcess.WaitUntilAsync(() => producer.PongsReceived >= 7 && consumer.PongsReceived >= 7 || producerReads.IsCompleted || consumerReads.IsCompleted,
                "both sides hear seven PONGs");
            producerReads.IsCompleted.Should().BeFalse("PINGs and PONGs are answered and swallowed inside ReadAsync");
            consumerReads.IsCompleted.Should().BeFalse();
            consumer.PeerHello.IdleTimeoutMs.Should().Be(2500, "the timeout is announced in HELLO");

            await producer.SendEndAsync();
            (await consumerReads.WaitAsync(TimeSpan.FromSeconds(10))).Type.Should().Be(MessageType.End);
            producer.TimedOut.Should().BeNull();
            consumer.TimedOut.Should().BeNull();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public async Task Opening_TooSlow_IsAnsweredWithPreambleAndErrorTimeout(int preambleBytesSent)
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<Exception?> accepting = AcceptExpectingFailureAsync(listener, s_consumer with { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var client = await RawClientAsync(listener);
        if (preambleBytesSent > 0)
        {
            await client.SendAsync("RFRM\x01"u8.ToArray().AsMemory(0, preambleBytesSent));
        }

        byte[] reply = await ReadToEndAsync(client);

        // PROTOCOL.md §9: Timeout is sent, after the acceptor's preamble (§2.2), whether or not the peer sent a byte.
        reply.AsSpan(0, 8).ToArray().Should().Equal((byte)'R', (byte)'F', (byte)'R', (byte)'M', 1, 0, 0, 0);
        reply[12].Should().Be((byte)MessageType.Error);
        BitConverter.ToUInt32(reply, 16).Should().Be((uint)ErrorCode.Timeout);
        Encoding.UTF8.GetString(reply, 20, reply.Length - 20).Should().Contain("0.3 s");
        ((ProtocolException?)await accepting)!.Code.Should().Be(ErrorCode.Timeout);
    }

    [Fact]
    public async Task Opening_ConnectorThatSendsErrorInsteadOfHello_IsReported_AndNeverAnswered()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<Exception?> accepting = AcceptExpectingFailureAsync(listener);
        using var client = await RawClientAsync(listener);
        // The error-instead-of-hello vector's bytes: the producer's preamble, then ERROR ShuttingDown.
        await client.SendAsync(await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "vectors", "error-instead-of-hello.bin")));
        client.Shutdown(SocketShutdown.Send);

        byte[] reply = await ReadToEndAsync(client);

        reply.Should().BeEmpty("PROTOCOL.md §9: an ERROR is never answered, not even with a preamble");
        var reported = (ProtocolException?)await accepting;
        reported!.Code.Should().Be(ErrorCode.ShuttingDown);
        reported.SentByPeer.Should().BeTrue();
        reported.Message.Should().Contain("sent ERROR instead of HELLO").And.Contain("the producer is stopping");
    }

    [Fact]
    public async Task SilentPeer_IsCutOffAtTheIdleTimeout_WithErrorTimeout()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<FrameConnection> accepting = AcceptAsync(listener, s_consumer with { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        using Socket client = await RawClientAsync(listener);
        // A producer that opens and then never sends another byte (nor answers PINGs): a hand-written opening.
        var writer = new MessageWriter(System.IO.Pipelines.PipeWriter.Create(new NetworkStream(client, ownsSocket: false)));
        await writer.WriteOpeningAsync(new Hello(PeerRole.Producer, ProtocolConstants.DefaultMaxMessageLength, Capabilities.None, 0, "silent"));
        await using FrameConnection consumer = await accepting;

        Func<Task> reading = async () => await consumer.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        (await reading.Should().ThrowAsync<ProtocolException>()).Which.Code.Should().Be(ErrorCode.Timeout);
        consumer.TimedOut.Should().Contain("nothing received for 0.3 s");
        byte[] atPeer = await ReadToEndAsync(client);
        // Preamble, HELLO, PINGs at a third of the timeout, then ERROR Timeout.
        int error = IndexOfMessage(atPeer, MessageType.Error);
        error.Should().BePositive("the silent peer was told why");
        BitConverter.ToUInt32(atPeer, error + 8).Should().Be((uint)ErrorCode.Timeout);
        IndexOfMessage(atPeer, MessageType.Ping).Should().BePositive("the consumer pinged before giving up");
    }

    [Fact]
    public async Task PeerHalfClosingInsideAFrame_IsTruncatedStream_AndGetsNoError()
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        Task<FrameConnection> accepting = AcceptAsync(listener);
        using Socket client = await RawClientAsync(listener);
        var writer = new MessageWriter(System.IO.Pipelines.PipeWriter.Create(new NetworkStream(client, ownsSocket: false)));
        await writer.WriteOpeningAsync(new Hello(PeerRole.Producer, ProtocolConstants.DefaultMaxMessageLength, Capabilities.None, 0, "half-close"));
        await writer.WriteFrameAsync(FrameHeader.ForRaw(PixelFormat.Bgr24, 2, 2, 6, 0, 1, 0), default, new byte[12]);
        await client.SendAsync(new byte[] { 60, 0, 0, 0, (byte)MessageType.Frame, 0, 0, 0, 0, 1 }); // 10 bytes of the next frame
        client.Shutdown(SocketShutdown.Send); // still reading: an ERROR would reach it
        await using FrameConnection consumer = await accepting;

        (await consumer.ReadAsync()).Type.Should().Be(MessageType.Frame, "the whole frame before the cut is kept");
        Func<Task> reading = async () => await consumer.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        (await reading.Should().ThrowAsync<ProtocolException>()).Which.Code.Should().Be(ErrorCode.TruncatedStream);
        await consumer.DisposeAsync();

        byte[] atPeer = await ReadToEndAsync(client);
        IndexOfMessage(atPeer, MessageType.Hello).Should().Be(8);
        IndexOfMessage(atPeer, MessageType.Error).Should().Be(-1, "PROTOCOL.md §9: TruncatedStream is never sent");
    }

    private static int IndexOfMessage(byte[] stream, MessageType type)
    {
        // After the 8-byte preamble: u32 length (covering the 4-byte header), then type at +4.
        for (int offset = 8; offset + 8 <= stream.Length; offset += 4 + (int)BitConverter.ToUInt32(stream, offset))
        {
            if (stream[offset + 4] == (byte)type)
            {
                return offset;
            }
        }

        return -1;
    }

    private static async Task<(int Verified, ulong LastSequence)> StreamAsync(FrameListener listener, int width, int height, int stride, int frames)
    {
        SyntheticPattern pattern = SyntheticPattern.For(width, height, stride);
        Task<FrameConnection> accepting = AcceptAsync(listener);
        Task producing = Task.Run(async () =>
        {
            await using FrameConnection producer = await FrameConnection.ConnectAsync(listener.Endpoint, s_producer);
            for (ulong seq = 0; seq < (ulong)frames; seq++)
            {
                var header = FrameHeader.ForRaw(PixelFormat.Bgr24, width, height, pattern.Stride, 5, seq, UnixTime.NowNanoseconds());
                await producer.SendFrameAsync(header, default, pattern.Frame(seq));
            }

            await producer.SendEndAsync();
            (await producer.ReadAsync()).Type.Should().Be(MessageType.End);
        });

        await using FrameConnection consumer = await accepting;
        int verified = 0;
        ulong last = 0;
        while (true)
        {
            Message message = await consumer.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (message.Type != MessageType.Frame)
            {
                message.Type.Should().Be(MessageType.End);
                await consumer.SendEndAsync();
                break;
            }

            message.Frame.Sequence.Should().Be((ulong)verified, "frames arrive in order with none missing");
            SyntheticFrameVerifier.Check(FrameInfo.Of(message.Frame), message.Payload.ToArray()).Should().BeNull();
            last = message.Frame.Sequence;
            verified++;
        }

        await producing;
        return (verified, last);
    }

    private static async Task<(FrameConnection Producer, FrameConnection Consumer)> OpenPairAsync(FrameListener listener,
        ConnectionOptions? producerOptions = null, ConnectionOptions? consumerOptions = null)
    {
        Task<FrameConnection> accepting = AcceptAsync(listener, consumerOptions);
        FrameConnection producer = await FrameConnection.ConnectAsync(listener.Endpoint, producerOptions ?? s_producer);
        return (producer, await accepting);
    }

    private static async Task<FrameConnection> AcceptAsync(FrameListener listener, ConnectionOptions? options = null)
    {
        Socket socket = await listener.AcceptAsync(CancellationToken.None);
        return await FrameConnection.AcceptAsync(socket, options ?? s_consumer);
    }

    private static async Task<Exception?> AcceptExpectingFailureAsync(FrameListener listener, ConnectionOptions? options = null)
    {
        try
        {
            await using FrameConnection unexpected = await AcceptAsync(listener, options);
            return null;
        }
        catch (ProtocolException e)
        {
            return e;
        }
    }

    private static async Task<Socket> RawClientAsync(FrameListener listener)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(await listener.Endpoint.ResolveAsync(CancellationToken.None));
        return client;
    }

    // Straight from the socket: a NetworkStream refuses one whose sending side was shut down.
    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10)) is > 0 and int n)
        {
            received.AddRange(buffer.AsSpan(0, n));
        }

        return [.. received];
    }
}
