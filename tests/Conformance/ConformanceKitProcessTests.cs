using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Conformance;

/// <summary>
/// rawframes-conformance --consumer: every golden vector played to a real consumer over TCP or a Unix socket. The
/// reference receiver passes every case that applies to its settings; a consumer that gets the protocol wrong fails,
/// case by case, and the kit exits 1.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class ConformanceKitProcessTests
{
    [Theory]
    [InlineData("tcp://127.0.0.1:0")]
    [InlineData("tcp://127.0.0.1:0", "--max-message-bytes", "4096")]
    [InlineData("unix")]
    public async Task TheReferenceReceiver_PassesEveryCaseThatApplies(string listen, params string[] options)
    {
        string socketPath = Path.Combine(Path.GetTempPath(), $"rawframes-conformance-{Guid.NewGuid():N}.sock");
        using var receiver = ProgramProcess.Start("rawframes-recv", ["--listen", listen == "unix" ? $"unix://{socketPath}" : listen, .. options, "--quiet"]);
        string endpoint = await receiver.ListeningEndpointAsync();
        string report = Path.Combine(Path.GetTempPath(), $"rawframes-conformance-{Guid.NewGuid():N}.json");
        try
        {
            using var kit = ProgramProcess.Start("rawframes-conformance", "--consumer", endpoint, "--json", report);
            int exit = await kit.WaitForExitAsync();

            exit.Should().Be(0, string.Join('\n', kit.StdoutLines.Where(line => line.StartsWith("FAIL", StringComparison.Ordinal))) + kit.Stderr);
            kit.StdoutLines.Should().Contain(line => line.StartsWith("PASS liveness-ping: the consumer pinged a quiet producer", StringComparison.Ordinal));
            string last = kit.StdoutLines[^1];
            last.Should().MatchRegex(@"^conformance: (\d+)/\1 cases passed$");
            using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
            int passed = json.RootElement.GetProperty("passed").GetInt32();
            passed.Should().BeGreaterThan(65, "nearly every vector applies to any consumer");
            json.RootElement.GetProperty("failed").GetInt32().Should().Be(0);
            int skipped = json.RootElement.GetProperty("skipped").GetInt32();
            // Shared memory is offered on Unix sockets only: there the ring cases run, and only the ones written for another maximum are skipped.
            if (listen == "unix")
            {
                skipped.Should().BeLessThan(5);
                kit.StdoutLines.Should().Contain(line => line.StartsWith("PASS shared-memory-frame: mapped the ring and unlinked its path", StringComparison.Ordinal));
            }
        }
        finally
        {
            receiver.Signal("INT");
            await receiver.WaitForExitAsync();
            File.Delete(report);
        }
    }

    [Theory]
    [InlineData("--no-reconnect")]
    [InlineData("--no-reconnect", "--ack")]
    public async Task TheReferenceSender_PassesThePatternAndEveryProducerCaseThatApplies(params string[] options)
    {
        string sender = ProgramProcess.PathOf("rawframes-send");
        string command = $"{sender} --to {{endpoint}} --source synthetic:64x48 --frames 30 --quiet {string.Join(' ', options)}";
        using var kit = ProgramProcess.Start("rawframes-conformance", "--producer-listen", "tcp://127.0.0.1:0", "--producer-command", command);
        int exit = await kit.WaitForExitAsync();

        exit.Should().Be(0, string.Join('\n', kit.StdoutLines.Where(line => line.StartsWith("FAIL", StringComparison.Ordinal))) + kit.Stderr);
        kit.StdoutLines.Should().Contain(line => line.StartsWith("PASS producer-pattern: 30 frames, 30 raw BGR24 ones verified", StringComparison.Ordinal));
        kit.StdoutLines.Should().Contain(line => line.StartsWith("PASS refused-unauthorized", StringComparison.Ordinal));
        if (options.Contains("--ack"))
        {
            kit.StdoutLines.Should().Contain(line => line.StartsWith("PASS ack-result-ping", StringComparison.Ordinal), "with ACK asked for, the ACK case applies");
        }

        kit.StdoutLines[^1].Should().MatchRegex(@"^conformance: (\d+)/\1 cases passed$");
    }

    [Fact]
    public async Task AConsumerThatAcceptsEverything_FailsTheCasesItShouldReject_AndTheKitExits1()
    {
        // A consumer that answers every producer with its preamble, its HELLO and END, whatever the producer sent.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        Task serving = ServeCarelesslyAsync(listener, stop.Token);
        try
        {
            using var kit = ProgramProcess.Start("rawframes-conformance", "--consumer", $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
            int exit = await kit.WaitForExitAsync();

            exit.Should().Be(1);
            kit.StdoutLines.Should().Contain(line => line.StartsWith("FAIL unknown-codec: expected one ERROR 6 as the last message", StringComparison.Ordinal));
            kit.StdoutLines.Should().Contain(line => line.StartsWith("PASS minimal-raw-frame", StringComparison.Ordinal));
            kit.StdoutLines[^1].Should().MatchRegex(@"^conformance: \d+/\d+ cases passed$").And.NotMatchRegex(@"^conformance: (\d+)/\1 ");
        }
        finally
        {
            await stop.CancelAsync();
            listener.Stop();
            await serving.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static async Task ServeCarelesslyAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        byte[] answer = [.. "RFRM\x01\0\0\0"u8, 20, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0];
        while (!cancellationToken.IsCancellationRequested)
        {
            using Socket peer = await listener.AcceptSocketAsync(cancellationToken);
            byte[] first = new byte[1];
            if (await peer.ReceiveAsync(first, SocketFlags.None, cancellationToken) == 0)
            {
                continue; // a probe
            }

            await peer.SendAsync(answer, SocketFlags.None, cancellationToken);
            peer.Shutdown(SocketShutdown.Both);
        }
    }
}
