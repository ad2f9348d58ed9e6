using RawFrames.Protocol.Wire;

namespace RawFrames.Tests.Protocol;

public sealed class HelloTokenTests
{
    [Fact]
    public void Token_RoundTrips_AsOption2_AndIsNeverPrinted()
    {
        var hello = new Hello(PeerRole.Producer, 1 << 20, Capabilities.Ack, 500, "t") { Token = "s3cret"u8.ToArray() };
        byte[] body = new byte[hello.BodySize];
        hello.WriteTo(body);

        Hello read = Hello.Read(body);

        read.Token!.Value.ToArray().Should().Equal("s3cret"u8.ToArray());
        read.Software.Should().Be("t");
        body.AsSpan(16 + 4 + 1, 4).ToArray().Should().Equal(2, 0, 6, 0); // key 2, length 6, after the software option
        read.ToString().Should().NotContain("s3cret").And.Contain("Token = (set)");
    }

    [Fact]
    public void NoTokenOption_ReadsAsNoToken_NotAsAnEmptyOne()
    {
        var hello = new Hello(PeerRole.Producer, 1 << 20, Capabilities.None, 0, "t");
        byte[] body = new byte[hello.BodySize];
        hello.WriteTo(body);

        Hello.Read(body).Token.Should().BeNull();
    }
}
