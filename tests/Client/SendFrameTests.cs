using RawFrames.Client;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client;

/// <summary>
/// FrameSender.SendFrameAsync: frames as the caller numbered and stamped them (a replay, a bridge) arrive with the
/// caller's stream, sequence, capture time and metadata; a frame no receiver would take is refused before it is sent,
/// and the stream goes on; the sender's own numbering continues after the caller's.
/// </summary>
public sealed class SendFrameTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CallerNumberedFrames_ArriveWithTheCallersHeader_AndOwnNumberingGoesOnAfterThem()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        byte[] pixels = new byte[8 * 4 * 3];
        byte[] jpegLike = [0xFF, 0xD8, 0xFF, 0xD9];
        Task<bool> sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
            // A bridge: two upstream cameras, their own sequence numbers and capture times, one with JSON metadata.
            (await sender.SendFrameAsync(FrameInfo.Raw(FrameFormat.Bgr24(8, 4), 7, 1000, 123_456_789, metadataIsJson: true), pixels,
                """{"camera":"door"}"""u8.ToArray())).Should().BeTrue();
            (await sender.SendFrameAsync(FrameInfo.Encoded(Codec.Jpeg, PixelFormat.Gray8, 640, 480, 3, 42, 987_654_321), jpegLike)).Should().BeTrue();
            // The same shape as the first but one byte short: checked again, since the payload's length is part of the shape.
            Func<Task> short1 = async () => await sender.SendFrameAsync(FrameInfo.Raw(FrameFormat.Bgr24(8, 4), 7, 1001, 123_456_790), pixels.AsMemory(1));
            await short1.Should().ThrowAsync<ArgumentException>();
            (await sender.SendAsync(pixels, 8, 4)).Should().BeTrue();
            return await sender.CompleteAsync();
        });

        var received = new List<(FrameInfo Info, string Metadata)>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            received.Add((frame.Info, frame.MetadataText));
        }

        (await sending).Should().BeTrue();
        received.Should().HaveCount(3);
        received[0].Should().Be((new FrameInfo(Codec.Raw, PixelFormat.Bgr24, 8, 4, 24, 7, 1000, 123_456_789, MetadataIsJson: true), """{"camera":"door"}"""));
        received[1].Info.Should().Be(new FrameInfo(Codec.Jpeg, PixelFormat.Gray8, 640, 480, 0, 3, 42, 987_654_321));
        received[2].Info.Sequence.Should().Be(43, "the sender's own numbering goes on after the last frame sent");
    }

    [Theory]
    [InlineData(Codec.Raw, PixelFormat.Bgr24, 8, 4, 0, 95, "raw Bgr24 payload is 95 bytes; 8x4 with stride 24 needs 96")]
    [InlineData(Codec.Jpeg, PixelFormat.Nv12, 8, 4, 0, 10, "a Jpeg payload cannot have pixel format Nv12")]
    [InlineData(Codec.Png, PixelFormat.Bgr24, 8, 4, 32, 10, "stride must be 0 for codec Png")]
    [InlineData(Codec.Raw, PixelFormat.Bgr24, 0, 4, 0, 0, "frame geometry 0x4 is outside")]
    public async Task AFrameNoReceiverWouldTake_IsRefusedInWords_AndTheStreamGoesOn(Codec codec, PixelFormat format, int width, int height, int stride,
        int payloadBytes, string said)
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task<bool> sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
            Func<Task> wrong = async () => await sender.SendFrameAsync(new FrameInfo(codec, format, width, height, stride, 0, 5, 0), new byte[payloadBytes]);
            (await wrong.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain(said).And.Contain("frame 5 of stream 0");
            (await sender.SendAsync(new byte[8 * 4 * 3], 8, 4)).Should().BeTrue();
            return await sender.CompleteAsync();
        });

        var sequences = new List<ulong>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            sequences.Add(frame.Sequence);
        }

        (await sending).Should().BeTrue();
        sequences.Should().Equal([0UL], "nothing of the refused frame reached the wire");
    }
}
