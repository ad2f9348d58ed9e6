using System.Buffers;
using System.IO.Pipelines;
using RawFrames.Client;
using RawFrames.Protocol;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sources;
using RawFrames.Programs.Verification;

namespace RawFrames.Tests.Protocol;

public sealed class MessageInputWriterTests
{
    [Fact]
    public async Task Frames_LargerThanThePipePauseThreshold_DoNotDeadlock()
    {
        // A 1080p frame is 6.2 MB; the Pipe pauses its writer at 64 KiB and the reader needs the whole frame.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024));
        var writer = new MessageWriter(pipe.Writer);
        var reader = Input(pipe);
        SyntheticPattern pattern = SyntheticPattern.For(1920, 1080);

        Task producing = Task.Run(async () =>
        {
            for (ulong seq = 0; seq < 5; seq++)
            {
                await writer.WriteFrameAsync(Header(pattern, seq), ReadOnlyMemory<byte>.Empty, pattern.Frame(seq));
            }

            await writer.WriteEndAsync();
            writer.Complete();
        });

        for (ulong seq = 0; seq < 5; seq++)
        {
            Message message = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            message.Type.Should().Be(MessageType.Frame);
            message.Frame.Sequence.Should().Be(seq);
            SyntheticFrameVerifier.Check(FrameInfo.Of(message.Frame), message.Payload.ToArray()).Should().BeNull();
        }

        (await reader.ReadAsync()).Type.Should().Be(MessageType.End);
        (await reader.ReadAsync()).IsConnectionClosed.Should().BeTrue();
        await producing;
    }

    [Fact]
    public async Task AckAfterEnd_IsNotWritten_SoNothingButEndFollowsEnd()
    {
        var pipe = new Pipe();
        var writer = new MessageWriter(pipe.Writer);
        var reader = Input(pipe);

        await writer.WriteAckAsync(new Ack(1, 7, 123));
        await writer.WriteEndAsync();
        await writer.WriteAckAsync(new Ack(1, 8, 456));
        writer.Complete();

        Message first = await reader.ReadAsync();
        first.Type.Should().Be(MessageType.Ack);
        first.ReadAck().Should().Be(new Ack(1, 7, 123));
        (await reader.ReadAsync()).Type.Should().Be(MessageType.End);
        (await reader.ReadAsync()).IsConnectionClosed.Should().BeTrue("PROTOCOL.md 4.2: after END only an answer to the peer's END");
    }

    [Fact]
    public async Task Read_OverLimitLength_ThrowsBeforeThePayloadArrives()
    {
        var pipe = new Pipe();
        var reader = new MessageInput(new StreamSource(pipe.Reader.AsStream()), maxMessageLength: 1 << 20);
        byte[] prefix = new byte[8];
        new MessageHeader((1 << 20) + 1, MessageType.Frame).WriteTo(prefix);
        await pipe.Writer.WriteAsync(prefix); // the writer stays open: the payload never comes

        Func<Task> read = async () => await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        (await read.Should().ThrowAsync<ProtocolException>()).Which.Code.Should().Be(ErrorCode.MessageTooLarge);
    }

    [Fact]
    public async Task Read_BadFrameHeader_ThrowsBeforeThePayloadArrives()
    {
        var pipe = new Pipe();
        var reader = Input(pipe);
        byte[] head = new byte[MessageHeader.Size + FrameHeader.Size];
        MessageHeader.ForBody(MessageType.Frame, FrameHeader.Size + 6_220_800).WriteTo(head);
        (FrameHeader.ForRaw(PixelFormat.Bgr24, 1920, 1080, 0, 0, 0, 0) with { Flags = (FrameFlags)0x10 }).WriteTo(head.AsSpan(MessageHeader.Size));
        await pipe.Writer.WriteAsync(head);

        Func<Task> read = async () => await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        (await read.Should().ThrowAsync<ProtocolException>()).Which.Code.Should().Be(ErrorCode.ReservedBitSet);
    }

    [Fact]
    public async Task Read_StreamEndingInsideAMessage_ThrowsTruncatedAndKeepsEarlierFrames()
    {
        var pipe = new Pipe();
        var writer = new MessageWriter(pipe.Writer);
        SyntheticPattern pattern = SyntheticPattern.For(64, 32);
        await writer.WriteFrameAsync(Header(pattern, 0), default, pattern.Frame(0));
        byte[] partial = new byte[MessageHeader.Size + FrameHeader.Size + 100];
        MessageHeader.ForBody(MessageType.Frame, FrameHeader.Size + pattern.FrameBytes).WriteTo(partial);
        Header(pattern, 1).WriteTo(partial.AsSpan(MessageHeader.Size));
        await pipe.Writer.WriteAsync(partial);
        await pipe.Writer.CompleteAsync();
        var reader = Input(pipe);

        Message first = await reader.ReadAsync();
        first.Frame.Sequence.Should().Be(0);
        SyntheticFrameVerifier.Check(FrameInfo.Of(first.Frame), first.Payload.ToArray()).Should().BeNull();
        Func<Task> second = async () => await reader.ReadAsync();

        (await second.Should().ThrowAsync<ProtocolException>()).Which.Code.Should().Be(ErrorCode.TruncatedStream);
    }

    [Fact]
    public async Task Write_FrameThatBreaksTheSpec_IsRefusedLocally()
    {
        var writer = new MessageWriter(new Pipe().Writer);
        FrameHeader header = FrameHeader.ForRaw(PixelFormat.Bgr24, 4, 4, 0, 0, 0, 0);

        Func<Task> wrongSize = async () => await writer.WriteFrameAsync(header, default, new byte[47]);
        Func<Task> tooLarge = async () =>
        {
            writer.PeerMaxMessageLength = 4096;
            FrameHeader big = FrameHeader.ForRaw(PixelFormat.Gray8, 4096, 1, 0, 0, 0, 0);
            await writer.WriteFrameAsync(big, default, new byte[4096]);
        };

        (await wrongSize.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("needs 48");
        (await tooLarge.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("exceeds the peer's maximum 4096");
    }

    [Fact]
    public async Task SteadyState_ReadingAndWritingFrames_AllocatesNothingPerFrame()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 1 << 20));
        var writer = new MessageWriter(pipe.Writer);
        var reader = Input(pipe);
        SyntheticPattern pattern = SyntheticPattern.For(640, 480);

        async Task RoundTripAsync(int frames)
        {
            for (int i = 0; i < frames; i++)
            {
                await writer.WriteFrameAsync(Header(pattern, (ulong)i), default, pattern.Frame((ulong)i));
                Message message = await reader.ReadAsync();
                if (message.Payload.Length != pattern.FrameBytes)
                {
                    throw new InvalidOperationException("lost a frame");
                }
            }
        }

        await RoundTripAsync(200); // warm up: JIT tiers, pools
        long before = GC.GetAllocatedBytesForCurrentThread();
        await RoundTripAsync(1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Everything completes synchronously on this thread here, so the thread's counter sees every allocation.
        allocated.Should().BeLessThan(1000, "1000 frames through writer and reader must not allocate per frame");
    }

    [Fact]
    public void TextFields_LongerThanTheirLimit_AreCutBetweenCharacters()
    {
        var hello = new Hello(PeerRole.Producer, 1 << 20, Capabilities.None, 0, new string('é', 200)); // 400 bytes of UTF-8
        byte[] body = new byte[hello.BodySize];
        hello.WriteTo(body);
        var error = new ErrorMessage(ErrorCode.MalformedMessage, "€" + new string('x', 2000));
        byte[] errorBody = new byte[error.BodySize];
        error.WriteTo(errorBody);

        Hello.Read(body).Software.Should().Be(new string('é', 128));
        ErrorMessage.Read(errorBody).Reason.Should().Be("€" + new string('x', ProtocolConstants.MaxErrorReasonBytes - 3));
    }

    // The reader of a connection, over a pipe instead of a socket.
    private static MessageInput Input(Pipe pipe) => new(new StreamSource(pipe.Reader.AsStream()));

    private static FrameHeader Header(SyntheticPattern pattern, ulong sequence) =>
        FrameHeader.ForRaw(PixelFormat.Bgr24, pattern.Width, pattern.Height, pattern.Stride, 1, sequence, UnixTime.NowNanoseconds());
}
