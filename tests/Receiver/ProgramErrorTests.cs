using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// Every failure a user can cause ends in one clear line and a documented exit code (0 done, 1 failed at run time,
/// 2 usage), with the JSON line and its <c>error</c> on every exit, and never a .NET stack trace.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class ProgramErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-errors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("rawframes-send", "--to", "tcp://,unix://,shm://,nats://")]
    [InlineData("rawframes-recv", "--listen", "tcp://,unix://,shm://")]
    [InlineData("rawframes-recv", "--from", "tcp://,unix://,shm://,nats://")]
    [InlineData("rawframes-relay", "--listen", "tcp://,unix://,shm://")]
    [InlineData("rawframes-relay", "--serve", "tcp://,unix://,shm://")]
    [InlineData("rawframes-relay", "--from", "tcp://,unix://,shm://,nats://")]
    public async Task Help_NamesEveryEndpointSchemeAnOptionTakes(string program, string option, string schemes)
    {
        using var help = ProgramProcess.Start(program, "--help");
        (await help.WaitForExitAsync()).Should().Be(0, help.Stderr);
        // The option's line, and the lines its description wraps onto, up to the next option.
        string[] lines = [.. help.StdoutLines.Select(line => line.Trim())];
        int at = Array.FindIndex(lines, line => line.StartsWith(option + " ", StringComparison.Ordinal));
        at.Should().BeGreaterThanOrEqualTo(0, $"{program} --help lists {option}");
        string described = string.Join(' ', lines.Skip(at).TakeWhile((line, i) => i == 0 || !line.StartsWith('-')));
        foreach (string scheme in schemes.Split(','))
        {
            described.Should().Contain(scheme, $"{program} {option} takes {scheme} endpoints");
        }
    }

    /// <summary>
    /// Program, arguments ({dir} is a fresh folder, {file} a regular file in it, {free} a TCP port nothing listens on),
    /// the exit code and a piece of the message.
    /// </summary>
    public static TheoryData<string, string, int, string> Cases() => new()
    {
        { "rawframes-send", "--fps abc", 2, "--fps 'abc': expected a number from 0 to 100000" },
        { "rawframes-send", "--quality 0", 2, "--quality '0': expected a whole number from 1 to 100" },
        { "rawframes-send", "--frames -3", 2, "--frames '-3'" },
        { "rawframes-send", "--codec webp", 2, "webp" },
        { "rawframes-send", "--bogus", 2, "--bogus" },
        { "rawframes-send", "--to localhost:5555", 2, "tcp://HOST:PORT" },
        { "rawframes-send", "--source image:{dir}/missing.png", 2, "no such file" },
        { "rawframes-send", "--token-file {dir}/missing", 2, "--token-file" },
        { "rawframes-send", "--to unix://{dir}/nobody.sock --connect-timeout 0.2", 1, "there is no socket file" },
        { "rawframes-send", "--to unix://{file} --connect-timeout 0.2", 1, "exists but nothing accepts connections on it" },
        { "rawframes-send", "--to tcp://127.0.0.1:{free} --connect-timeout 0.2", 1, "nothing is listening there" },
        { "rawframes-recv", "--save /proc/rawframes-nope/x", 2, "--save /proc/rawframes-nope/x: cannot make the folder" },
        { "rawframes-recv", "--listen unix://{file}", 2, "is a regular file, not a socket; it was left untouched" },
        { "rawframes-recv", "--listen unix://{dir}", 2, "is a folder, not a socket" },
        { "rawframes-recv", "--max-message-bytes 10", 2, "--max-message-bytes '10'" },
        { "rawframes-recv", "--http nonsense", 2, "--http 'nonsense': expected IP:PORT" },
        { "rawframes-recv", "--tls-cert {dir}/missing.pem", 2, "--tls-cert" },
        { "rawframes-recv", "--decode nope", 2, "nope" },
        { "rawframes-recv", "--from tcp://127.0.0.1:{free} --stream -1", 2, "--stream '-1'" },
        { "rawframes-recv", "--model 640", 2, "--model '640' is not a model input size: write WIDTHxHEIGHT" },
        { "rawframes-recv", "--model 640x640 --model-fit wide", 2, "--model-fit 'wide': expected letterbox, stretch, crop" },
        { "rawframes-recv", "--model-type uint8", 2, "--model-type needs --model WIDTHxHEIGHT" },
        { "rawframes-recv", "--model 64x64 --model-mean 0.5,0.5", 2, "--model-mean '0.5,0.5': expected three numbers" },
        { "rawframes-recv", "--model 64x64 --model-type uint8 --model-std 1,1,1", 2, "mean and std apply to float32 tensors only" },
        { "rawframes-recv", "--model 64x64 --decode bgr", 2, "--decode cannot be used with it" },
        { "rawframes-recv", "--record {file}", 2, "the file exists (recordings are never overwritten)" },
        { "rawframes-recv", "--record-max-mb 5", 2, "--record-max-mb and --record-max-seconds need --record PATH" },
        { "rawframes-recv", "--record /proc/rawframes-nope/r.rfrec", 2, "--record /proc/rawframes-nope/r.rfrec" },
        { "rawframes-send", "--speed 2", 2, "--speed applies to --source replay:PATH only" },
        { "rawframes-send", "--source replay:{dir}/missing.rfrec", 2, "no such recording" },
        { "rawframes-send", "--source replay:{file}", 2, "is not a RawFrames recording" },
        { "rawframes-send", "--source replay:{file} --codec jpeg", 2, "--codec does not apply to a replay" },
        { "rawframes-relay", "--record {file}", 2, "the file exists (recordings are never overwritten)" },
        { "rawframes-relay", "--no-listen", 2, "--no-listen needs --from" },
        { "rawframes-relay", "--listen tcp://127.0.0.1:0 --serve unix://{file}", 2, "is a regular file, not a socket; it was left untouched" },
        { "rawframes-relay", "--queue 0", 2, "--queue '0'" },
        { "rawframes-relay", "--batch 8", 2, "--batch needs --model WIDTHxHEIGHT" },
        { "rawframes-relay", "--model 64x64 --batch-wait-ms 50", 2, "--batch-wait-ms needs --batch N" },
        { "rawframes-relay", "--model 64x64 --batch 0", 2, "--batch '0': expected a whole number from 1 to 256" },
        { "rawframes-relay", "--model 64x64 --http 127.0.0.1:0", 2, "--http shows pictures" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_OneClearLine_TheDocumentedExitCode_AndTheJsonError(string program, string arguments, int exitCode, string message)
    {
        string file = Path.Combine(_directory, "precious.txt");
        await File.WriteAllTextAsync(file, "a user's file");
        string[] args = [.. arguments.Replace("{dir}", _directory, StringComparison.Ordinal).Replace("{file}", file, StringComparison.Ordinal)
            .Replace("{free}", LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Split(' '), "--json", "--quiet"];
        using var process = ProgramProcess.Start(program, args);

        (int exit, JsonElement summary) = await process.WaitForSummaryAsync();

        exit.Should().Be(exitCode, process.Stderr);
        process.Stderr.Should().Contain(message);
        summary.GetProperty("error").GetString().Should().Contain(message);
        summary.GetProperty("exit_code").GetInt32().Should().Be(exitCode);
        AssertNoStackTrace(process);
        (await File.ReadAllTextAsync(file)).Should().Be("a user's file", "nothing a user owns is deleted or changed");
    }

    [Fact]
    public async Task FrameLargerThanTheReceiverTakes_BothSidesSayWhyAndHowToFixIt()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--max-message-bytes", "16777216", "--once", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:3840x2160", "--frames", "3", "--json", "--quiet");

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(1, sender.Stderr);
        sent.GetProperty("error").GetString().Should().Contain("frame 0 is a message of 24,883,244 bytes; the receiver accepts at most 16,777,216")
            .And.Contain("--max-message-bytes 24883244");
        sent.GetProperty("frames").GetInt64().Should().Be(0);
        recvExit.Should().Be(1, "the only sender's stream failed");
        received.GetProperty("peer_errors").GetInt64().Should().Be(1);
        received.GetProperty("error").GetString().Should().Contain("MessageTooLarge").And.Contain("--max-message-bytes 24883244");
        AssertNoStackTrace(sender);
        AssertNoStackTrace(receiver);
    }

    [Fact]
    public async Task CtrlCWhileConnecting_EndsCleanly_AndSaysNoConnectionWasMade()
    {
        using var sender = ProgramProcess.Start("rawframes-send", "--to", $"tcp://127.0.0.1:{LoopbackPorts.Free()}", "--connect-timeout", "0", "--json", "--quiet");
        await sender.WaitUntilSaidAsync("retrying");

        sender.Signal("INT");
        (int exit, JsonElement summary) = await sender.WaitForSummaryAsync();

        exit.Should().Be(0, "the user asked it to stop: " + sender.Stderr);
        sender.Stderr.Should().Contain("stopped before a connection was made").And.NotContain("could not connect within");
        summary.GetProperty("stopped_by").GetString().Should().Be("signal");
        summary.GetProperty("frames").GetInt64().Should().Be(0);
        AssertNoStackTrace(sender);
    }

    [Fact]
    public async Task HealthChecks_ConnectAndClose_AreProbesNotErrors_AndTheRunStillSucceeds()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--frames", "20", "--verify", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        EndPoint address = await RawFrames.Protocol.Transport.FrameEndpoint.Parse(endpoint).ResolveAsync(CancellationToken.None);
        for (int i = 0; i < 3; i++)
        {
            // What Kubernetes' TCP probe and load balancers do: connect, close, no bytes.
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await probe.ConnectAsync(address);
        }

        await ProgramProcess.WaitUntilAsync(() => receiver.Said("such connections are counted as probes"), "the receiver saw the first probe");
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--frames", "20", "--quiet");
        (int exit, JsonElement received) = await receiver.WaitForSummaryAsync();

        exit.Should().Be(0, receiver.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(20);
        received.GetProperty("errors").GetInt64().Should().Be(0);
        received.GetProperty("probes").GetInt64().Should().Be(3);
        received.GetProperty("error").ValueKind.Should().Be(JsonValueKind.Null);
    }

    private static void AssertNoStackTrace(ProgramProcess process)
    {
        process.Stderr.Should().NotContain("Unhandled exception").And.NotContain("   at ").And.NotContain("Exception:");
    }
}
