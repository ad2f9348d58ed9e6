using System.Buffers;
using System.Text;
using RawFrames.Client;
using RawFrames.Protocol;
using RawFrames.Protocol.Wire;

namespace RawFrames.Tests.Client;

/// <summary>
/// ProtocolMessages: the bytes it writes are the messages a connection carries, read back by the library's own parser
/// field for field; a frame no receiver would take is refused in words before a byte is written.
/// </summary>
public sealed class ProtocolMessagesTests
{
    [Fact]
    public void AFrameWritten_IsReadBackByTheParser_WithEveryFieldMetadataAndPayload()
    {
        byte[] pixels = [.. Enumerable.Range(0, 8 * 4 * 3).Select(i => (byte)i)];
        byte[] metadata = """{"camera":"door"}"""u8.ToArray();
        FrameInfo info = FrameInfo.Raw(FrameFormat.Bgr24(8, 4), 7, 1000, 123_456_789, metadataIsJson: true);
        byte[] message = new byte[ProtocolMessages.FrameLength(metadata.Length, pixels.Length)];

        int length = ProtocolMessages.WriteFrame(message, info, metadata, pixels);

        length.Should().Be(message.Length);
        MessageParser.TryReadMessage(new ReadOnlySequence<byte>(message), 1 << 20, out Message parsed, out _).Should().BeTrue();
        parsed.Type.Should().Be(MessageType.Frame);
        FrameInfo.Of(parsed.Frame).Should().Be(info with { Stride = 24 });
        parsed.Metadata.ToArray().Should().Equal(metadata);
        parsed.Payload.ToArray().Should().Equal(pixels);
    }

    [Fact]
    public void AFrameNoReceiverWouldTake_IsRefusedInWords_AndNothingIsWritten()
    {
        byte[] message = new byte[256];
        FrameInfo info = FrameInfo.Raw(FrameFormat.Bgr24(8, 4), 7, 1000, 1);

        Action shortPayload = () => ProtocolMessages.WriteFrame(message, info, [], new byte[10]);
        Action tooSmall = () => ProtocolMessages.WriteFrame(new byte[16], info, [], new byte[96]);

        shortPayload.Should().Throw<ArgumentException>().WithMessage("*frame 1000 of stream 7 would be refused by any receiver*");
        tooSmall.Should().Throw<ArgumentException>().WithMessage("*the destination holds 16*");
        message.Should().OnlyContain(b => b == 0, "nothing was written for a refused frame");
    }

    [Fact]
    public void AJsonResult_IsReadBackAsTheResultOfItsFrame()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"boxes":[[1,2,3,4]]}""");

        byte[] message = ProtocolMessages.JsonResult(3, 42, json);

        MessageParser.TryReadMessage(new ReadOnlySequence<byte>(message), 1 << 20, out Message parsed, out SequencePosition end).Should().BeTrue();
        end.GetInteger().Should().Be(message.Length);
        parsed.Type.Should().Be(MessageType.Result);
        parsed.ReadResult().Should().Be(new ResultHeader(3, IsJson: true, 42));
        parsed.Body.Slice(ResultHeader.Size).ToArray().Should().Equal(json);
    }
}
