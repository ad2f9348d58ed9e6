using System.Buffers.Binary;
using System.Net.Sockets;
using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sources;

namespace RawFrames.Tests.Client;

/// <summary>
/// A send cancelled while its frame is being written must either complete the frame or fail the connection: it must
/// never leave half a message on a connection that goes on being used (the next frame would corrupt the stream). The
/// consumer here is a raw socket that performs the opening by hand, so the test decides exactly when bytes are read.
/// </summary>
public sealed class CancelledSendTests
{
    private const int Width = 1920;
    private const int Height = 2160; // 12.4 MB per frame: far more than the socket buffers hold
    private static readonly SyntheticPattern s_pattern = SyntheticPattern.For(Width, Height);
    private static readonly int s_frameMessage = (int)FrameHeader.MessageLength(0, s_pattern.FrameBytes) + 4;

    [Fact]
    public async Task CancelledMidFrame_ThePeerReadsOn_TheFrameCompletes_AndTheNextFrameFollowsIntact()
    {
        await using var consumer = await HandOpenedConsumer.StartAsync();
        await using FrameSender sender = await ConnectAsync(consumer);
        using var cancel = new CancellationTokenSource();
        Task<bool> first = await SendUntilHalfwayAsync(sender, consumer, cancel.Token);
        first.IsCompleted.Should().BeFalse("the rest does not fit in the socket buffers until the consumer reads");
        await cancel.CancelAsync();

        await consumer.ReadAsync(s_frameMessage - (1024 * 1024)); // the consumer reads on at once
        (await first.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue("a frame already being written is completed");
        Task<bool> second = sender.SendAsync(s_pattern.Frame(1), Width, Height).AsTask();
        await consumer.ReadAsync(s_frameMessage);
        (await second.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue();

        List<(FrameHeader Header, byte[] Payload)> frames = consumer.Frames();
        frames.Select(f => f.Header.Sequence).Should().Equal(0UL, 1UL);
        foreach ((FrameHeader header, byte[] payload) in frames)
        {
            payload.Should().Equal(s_pattern.Frame(header.Sequence).ToArray(), "both frames arrive whole and in order");
        }
    }

    [Fact]
    public async Task CancelledMidFrame_ThePeerStaysStalled_TheConnectionFails_AndNothingMoreIsSent()
    {
        await using var consumer = await HandOpenedConsumer.StartAsync();
        await using FrameSender sender = await ConnectAsync(consumer);
        using var cancel = new CancellationTokenSource();
        Task<bool> first = await SendUntilHalfwayAsync(sender, consumer, cancel.Token);
        await cancel.CancelAsync(); // and the consumer reads nothing more: the write can never finish

        Func<Task> sending = () => first.WaitAsync(TimeSpan.FromSeconds(30));
        await sending.Should().ThrowAsync<Exception>().Where(e => e is IOException || e is OperationCanceledException,
            "a frame that cannot be completed fails the connection");
        (await sender.SendAsync(s_pattern.Frame(1), Width, Height)).Should().BeFalse("the sender has stopped: nothing goes out after the cut frame");
        sender.StopReason.Should().NotBeNull();

        await consumer.ReadToEndAsync();
        consumer.Received.Should().BeLessThan(s_frameMessage, "the cut frame is the last thing on the wire");
        consumer.Frames().Should().BeEmpty("no whole frame, and above all no second frame spliced into the first");
    }

    // No pings (no idle timeout on either side): the consumer's byte counts are the frames' alone.
    private static async Task<FrameSender> ConnectAsync(HandOpenedConsumer consumer)
    {
        Task<FrameSender> connecting = FrameSender.ConnectAsync(consumer.Endpoint, new FrameSenderOptions { PeerTimeout = TimeSpan.Zero });
        await consumer.OpenAsync();
        return await connecting;
    }

    // Starts sending frame 0 and returns once a megabyte of it has arrived: the write is under way.
    private static async Task<Task<bool>> SendUntilHalfwayAsync(FrameSender sender, HandOpenedConsumer consumer, CancellationToken cancellationToken)
    {
        Task<bool> sending = sender.SendAsync(s_pattern.Frame(0), Width, Height, cancellationToken: cancellationToken).AsTask();
        await consumer.ReadAsync(1024 * 1024);
        return sending;
    }

    /// <summary>A consumer on a Unix socket that answers the opening by hand and reads only when told.</summary>
    private sealed class HandOpenedConsumer : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly string _path;
        private readonly List<byte> _stream = [];
        private Socket? _peer;

        private HandOpenedConsumer(Socket listener, string path)
        {
            _listener = listener;
            _path = path;
        }

        public string Endpoint => $"unix://{_path}";

        /// <summary>Bytes read after the producer's preamble and HELLO.</summary>
        public int Received => _stream.Count;

        public static Task<HandOpenedConsumer> StartAsync()
        {
            string path = Path.Combine(Path.GetTempPath(), $"rawframes-cancel-{Guid.NewGuid():N}.sock");
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            return Task.FromResult(new HandOpenedConsumer(listener, path));
        }

        /// <summary>Accepts, reads the producer's preamble and HELLO, answers with ours (small socket buffers, so a frame fills them).</summary>
        public async Task OpenAsync()
        {
            _peer = await _listener.AcceptAsync();
            _peer.ReceiveBufferSize = 64 * 1024;
            byte[] head = await ReadExactlyAsync(Preamble.Size + 4);
            await ReadExactlyAsync(BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(Preamble.Size)));
            var hello = new Hello(PeerRole.Consumer, ProtocolConstants.MaxMaxMessageLength, Capabilities.None, 0, "hand-opened");
            byte[] answer = new byte[Preamble.Size + 8 + hello.BodySize];
            Preamble.Current.WriteTo(answer);
            MessageHeader.ForBody(MessageType.Hello, hello.BodySize).WriteTo(answer.AsSpan(Preamble.Size));
            hello.WriteTo(answer.AsSpan(Preamble.Size + 8));
            await _peer.SendAsync(answer);
        }

        public async Task ReadAsync(int bytes) => _stream.AddRange(await ReadExactlyAsync(bytes));

        public async Task ReadToEndAsync()
        {
            var rest = new List<byte>();
            var buffer = new byte[1 << 20];
            try
            {
                while (await _peer!.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(30)) is > 0 and int n)
                {
                    rest.AddRange(buffer.AsSpan(0, n));
                }
            }
            catch (SocketException)
            {
                // Reset: the producer cut the connection.
            }

            _stream.AddRange(rest);
        }

        /// <summary>The FRAME messages in what was read, whole ones only.</summary>
        public List<(FrameHeader Header, byte[] Payload)> Frames()
        {
            byte[] all = [.. _stream];
            var frames = new List<(FrameHeader, byte[])>();
            for (int at = 0; at + 8 <= all.Length;)
            {
                int length = BinaryPrimitives.ReadInt32LittleEndian(all.AsSpan(at));
                if (at + 4 + length > all.Length)
                {
                    break;
                }

                if (all[at + 4] == (byte)MessageType.Frame)
                {
                    ReadOnlySpan<byte> body = all.AsSpan(at + 8, length - 4);
                    FrameHeader header = FrameHeader.Read(body, body.Length);
                    frames.Add((header, body[header.PayloadOffset..].ToArray()));
                }

                at += 4 + length;
            }

            return frames;
        }

        public async ValueTask DisposeAsync()
        {
            _peer?.Dispose();
            _listener.Dispose();
            File.Delete(_path);
            await Task.CompletedTask;
        }

        private async Task<byte[]> ReadExactlyAsync(int count)
        {
            byte[] buffer = new byte[count];
            for (int done = 0; done < count;)
            {
                int n = await _peer!.ReceiveAsync(buffer.AsMemory(done)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                if (n == 0)
                {
                    throw new EndOfStreamException($"the producer closed after {done} of {count} bytes");
                }

                done += n;
            }

            return buffer;
        }
    }
}
