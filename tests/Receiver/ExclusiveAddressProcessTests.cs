using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// A listening address belongs to one process: a second receiver or relay on an address in use (TCP, a Unix socket,
/// the browser view's HTTP port) exits 2 at once naming it, while a receiver restarted after the previous one exited
/// binds again at once (connections in TIME_WAIT do not hold the port).
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class ExclusiveAddressProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-exclusive-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ASecondReceiverOrRelay_OnATcpAddressInUse_ExitsTwo_NamingIt()
    {
        string address = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var first = ProgramProcess.Start("rawframes-recv", "--listen", address, "--json", "--quiet");
        await first.ListeningEndpointAsync();

        await RefusedAsync(ProgramProcess.Start("rawframes-recv", "--listen", address, "--json", "--quiet"), $"cannot listen on {address}");
        await RefusedAsync(ProgramProcess.Start("rawframes-relay", "--listen", address, "--serve", $"unix://{Path.Combine(_directory, "relay.sock")}", "--json", "--quiet"),
            $"cannot listen on {address}");
        first.HasExited.Should().BeFalse("the first receiver keeps its address");
    }

    [Fact]
    public async Task ASecondReceiver_OnAUnixSocketInUse_ExitsTwo_AndTheFirstKeepsItsSocket()
    {
        string address = $"unix://{Path.Combine(_directory, "cam.sock")}";
        using var first = ProgramProcess.Start("rawframes-recv", "--listen", address, "--once", "--verify", "--json", "--quiet");
        await first.ListeningEndpointAsync();

        await RefusedAsync(ProgramProcess.Start("rawframes-recv", "--listen", address, "--json", "--quiet"), "in use: another process is listening on it");

        using var sender = ProgramProcess.Start("rawframes-send", "--to", address, "--source", "synthetic:64x48", "--frames", "10", "--json", "--quiet");
        (int exit, JsonElement received) = await first.WaitForSummaryAsync();
        exit.Should().Be(0, first.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(10, "the socket file still leads to the first receiver");
    }

    [Fact]
    public async Task ASecondBrowserView_OnAnHttpPortInUse_ExitsTwo_NamingHttp()
    {
        int port = LoopbackPorts.Free();
        using var first = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--http", $"127.0.0.1:{port}", "--json", "--quiet");
        await first.WaitUntilSaidAsync("browser view on ");

        await RefusedAsync(ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--http", $"127.0.0.1:{port}", "--json", "--quiet"),
            $"--http 127.0.0.1:{port}");
    }

    [Fact]
    public async Task AReceiverRestartedOnItsAddress_ListensAtOnce_AfterTheFirstHadConnections()
    {
        string address = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using (var first = ProgramProcess.Start("rawframes-recv", "--listen", address, "--once", "--json", "--quiet"))
        {
            await first.ListeningEndpointAsync();
            using var sender = ProgramProcess.Start("rawframes-send", "--to", address, "--source", "synthetic:64x48", "--frames", "10", "--json", "--quiet");
            (await first.WaitForSummaryAsync()).ExitCode.Should().Be(0, first.Stderr);
            (await sender.WaitForSummaryAsync()).ExitCode.Should().Be(0, sender.Stderr);
        }

        using var second = ProgramProcess.Start("rawframes-recv", "--listen", address, "--once", "--json", "--quiet");
        (await second.ListeningEndpointAsync()).Should().Be(address);
    }

    private static async Task RefusedAsync(ProgramProcess second, string said)
    {
        using (second)
        {
            (int exit, JsonElement summary) = await second.WaitForSummaryAsync();
            exit.Should().Be(2, second.Stderr);
            summary.GetProperty("error").GetString().Should().Contain(said);
        }
    }
}
