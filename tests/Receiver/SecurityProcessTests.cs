using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using System.Text.Json;
using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>The shared token, TLS with a self-signed certificate, and the connection limit, with the real programs.</summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class SecurityProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-security-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Token_OnlyTheRightOneGetsIn_OthersAreToldWhy()
    {
        string token = Write("token", "correct horse battery staple\n");
        string wrong = Write("wrong", "correct horse battery stapler\n");
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--token-file", token, "--once", "--verify", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();

        using var none = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "10", "--quiet");
        (await none.WaitForExitAsync()).Should().Be(1);
        using var guess = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "10", "--token-file", wrong, "--quiet");
        (await guess.WaitForExitAsync()).Should().Be(1);
        using var good = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "10", "--token-file", token, "--json", "--quiet");
        (int goodExit, JsonElement sent) = await good.WaitForSummaryAsync();
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        none.Stderr.Should().Contain("requires a token (HELLO option 2) and none was sent (error 13 Unauthorized)");
        guess.Stderr.Should().Contain("wrong token (error 13 Unauthorized)");
        goodExit.Should().Be(0, good.Stderr);
        sent.GetProperty("confirmed").GetBoolean().Should().BeTrue();
        received.GetProperty("frames").GetInt64().Should().Be(10, "only the sender with the token got frames in");
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        received.GetProperty("errors").GetInt64().Should().Be(2, "each refusal is logged and counted");
        receiver.Stderr.Should().NotContain("correct horse", "the token is never logged");
    }

    [Fact]
    public async Task Tls_WithAPinnedSelfSignedCertificate_CarriesVerifiedFrames_AndRefusesEverythingElse()
    {
        (string pem, string fingerprint) = SelfSignedCertificate();
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--tls-cert", pem, "--once", "--verify", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();

        using var plain = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "10", "--connect-timeout", "1", "--quiet");
        (await plain.WaitForExitAsync()).Should().Be(1, "a sender without TLS cannot talk to a TLS receiver");
        using var impostor = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "10", "--tls-pin", new string('0', 64), "--quiet");
        (await impostor.WaitForExitAsync()).Should().Be(1, "the certificate is not the pinned one");
        using var untrusted = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "10", "--tls", "--quiet");
        (await untrusted.WaitForExitAsync()).Should().Be(1, "a self-signed certificate is not trusted without a pin");
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--frames", "200", "--tls-pin", fingerprint, "--ack", "--json", "--quiet");
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        receiver.Stderr.Should().Contain($"SHA-256 {fingerprint}", "the receiver logs what to pin");
        impostor.Stderr.Should().Contain("TLS handshake with").And.Contain("failed");
        sendExit.Should().Be(0, sender.Stderr);
        sent.GetProperty("acked").GetInt64().Should().Be(200);
        received.GetProperty("frames").GetInt64().Should().Be(200);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0, "every frame came through TLS intact");
    }

    [Fact]
    public async Task ConnectionLimit_RefusesTheConnectionOverIt_WithAClearError()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--max-connections", "1", "--frames", "10", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await squatter.ConnectAsync(await FrameEndpoint.Parse(endpoint).ResolveAsync(CancellationToken.None));
        // A producer that opens and then says nothing: once the receiver's HELLO is back, it holds the only place.
        var opening = new RawFrames.Protocol.MessageWriter(System.IO.Pipelines.PipeWriter.Create(new NetworkStream(squatter, ownsSocket: false)));
        await opening.WriteOpeningAsync(new RawFrames.Protocol.Wire.Hello(RawFrames.Protocol.Wire.PeerRole.Producer, 1 << 20, 0, 0, "squatter"));
        byte[] answer = new byte[13]; // preamble, length prefix, type
        for (int read = 0; read < answer.Length;)
        {
            read += await squatter.ReceiveAsync(answer.AsMemory(read));
        }

        answer[12].Should().Be((byte)RawFrames.Protocol.Wire.MessageType.Hello, "the receiver accepted the squatter and answered its HELLO");
        using var refused = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "10", "--connect-timeout", "1", "--quiet");
        (await refused.WaitForExitAsync()).Should().Be(1);
        squatter.Close();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "10", "--json", "--quiet");
        (int sendExit, _) = await sender.WaitForSummaryAsync();
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        refused.Stderr.Should().Contain("at most 1 connections at once").And.Contain("ConnectionLimit");
        sendExit.Should().Be(0, sender.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(10, "a place freed up once the silent connection left");
        receiver.Stderr.Should().Contain("(--max-connections)");
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private (string Pem, string Fingerprint) SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=rawframes-test", key, HashAlgorithmName.SHA256);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        string path = Write("receiver.pem", certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
        return (path, TlsOptions.Fingerprint(certificate));
    }
}
