using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Tests.Protocol;

/// <summary>PROTOCOL.md §16.1: HELLO option 3, written and read back, and each bad field rejected with its code.</summary>
public sealed class HelloSubscriptionTests
{
    [Fact]
    public void Subscription_RoundTrips_BesideTheOtherOptions()
    {
        var hello = new Hello(PeerRole.Consumer, 1 << 20, Capabilities.SharedMemory, 5000, "test-subscriber")
        {
            Subscription = new Subscription(DeliveryPolicy.Latest, WhenFull.Disconnect, Codec.Jpeg, 16, 7),
        };
        byte[] body = new byte[hello.BodySize];
        hello.WriteTo(body);

        Hello read = Hello.Read(body);

        read.Subscription.Should().Be(hello.Subscription);
        read.Software.Should().Be("test-subscriber");
        read.Capabilities.Should().Be(Capabilities.SharedMemory);
    }

    [Fact]
    public void Subscription_AnyCodecAndEveryStream_ReadAsNull()
    {
        var hello = new Hello(PeerRole.Consumer, 1 << 20, Capabilities.None, 0, null) { Subscription = new Subscription(DeliveryPolicy.Lossless) };
        byte[] body = new byte[hello.BodySize];
        hello.WriteTo(body);

        body.AsSpan(Hello.FixedSize + 4, Subscription.Size).ToArray().Should().Equal(0, 0, 0xFF, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF);
        Subscription read = Hello.Read(body).Subscription!;
        read.Codec.Should().BeNull();
        read.StreamId.Should().BeNull();
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0xFF, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF }, ErrorCode.MalformedMessage)] // policy 2
    [InlineData(new byte[] { 0, 2, 0xFF, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF }, ErrorCode.MalformedMessage)] // when-full 2
    [InlineData(new byte[] { 0, 0, 9, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF }, ErrorCode.UnknownCodec)]
    [InlineData(new byte[] { 0, 0, 0xFF, 1, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF }, ErrorCode.ReservedBitSet)]
    [InlineData(new byte[] { 0, 0, 0xFF, 0, 1, 4, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF }, ErrorCode.MalformedMessage)] // queue 1025
    [InlineData(new byte[] { 0, 0, 0xFF, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF }, ErrorCode.MalformedMessage)] // 11 bytes
    public void Subscription_BadValue_IsRejectedWithItsCode(byte[] value, ErrorCode expected)
    {
        byte[] body = new byte[Hello.FixedSize + 4 + value.Length];
        body[0] = (byte)PeerRole.Consumer;
        BitConverter.TryWriteBytes(body.AsSpan(4), 1 << 20);
        BitConverter.TryWriteBytes(body.AsSpan(Hello.FixedSize), Subscription.OptionKey);
        BitConverter.TryWriteBytes(body.AsSpan(Hello.FixedSize + 2), (ushort)value.Length);
        value.CopyTo(body, Hello.FixedSize + 4);

        Action read = () => Hello.Read(body);

        read.Should().Throw<ProtocolException>().Which.Code.Should().Be(expected);
    }
}
