using RawFrames.Client;

namespace RawFrames.Tests.Client;

/// <summary>Endpoint.Parse: each scheme to its typed endpoint, credentials never shown, bad text refused in words.</summary>
public sealed class EndpointTests
{
    [Theory]
    [InlineData("tcp://127.0.0.1:5600", SocketKind.Tcp, "127.0.0.1", 5600, null)]
    [InlineData("tcp://[::1]:5600", SocketKind.Tcp, "::1", 5600, null)]
    [InlineData("unix:///tmp/cam.sock", SocketKind.Unix, null, 0, "/tmp/cam.sock")]
    [InlineData("shm:///tmp/cam.sock", SocketKind.SharedMemory, null, 0, "/tmp/cam.sock")]
    public void SocketSchemes_ParseToTheirKindAndAddress(string text, SocketKind kind, string? host, int port, string? path)
    {
        SocketEndpoint endpoint = Endpoint.Parse(text).Should().BeOfType<SocketEndpoint>().Subject;

        (endpoint.Kind, endpoint.Host, endpoint.Port, endpoint.Path, endpoint.Text).Should().Be((kind, host, port, path, text));
    }

    [Fact]
    public void ANatsEndpoint_KeepsItsCredentialsForConnecting_AndHidesThemWhenShown()
    {
        NatsEndpoint endpoint = Endpoint.Parse("nats://cam:secret@127.0.0.1:4222/cams.door").Should().BeOfType<NatsEndpoint>().Subject;

        (endpoint.Server, endpoint.Subject, endpoint.SubscriptionSubject).Should().Be(("nats://127.0.0.1:4222", "cams.door", "cams.door.>"));
        endpoint.Text.Should().Contain("secret", "connecting needs the password");
        endpoint.Display.Should().NotContain("secret").And.Contain("***@");
        endpoint.ToString().Should().Be(endpoint.Display);
    }

    [Theory]
    [InlineData("udp://127.0.0.1:5600", "unknown scheme")]
    [InlineData("unix://relative.sock", "must be absolute")]
    [InlineData("tcp://127.0.0.1", "missing host or port")]
    [InlineData("nats://127.0.0.1:4222", "is not a NATS endpoint")]
    public void BadText_IsRefusedInWords(string text, string why)
    {
        Action parse = () => Endpoint.Parse(text);

        parse.Should().Throw<FormatException>().WithMessage($"*{why}*");
    }

    [Fact]
    public void TheTypedParsers_RefuseTheOtherFamily()
    {
        Action socket = () => SocketEndpoint.Parse("nats://127.0.0.1:4222/cams");
        Action nats = () => NatsEndpoint.Parse("tcp://127.0.0.1:5600");

        socket.Should().Throw<FormatException>().WithMessage("*unknown scheme*");
        nats.Should().Throw<FormatException>();
        NatsEndpoint.IsNats("nats+tls://h:4222/s").Should().BeTrue();
    }
}
