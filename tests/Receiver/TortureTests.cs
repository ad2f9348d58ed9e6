using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// A running rawframes-recv against generated bad input (TortureInputs), idle connections and connections that never
/// finish their opening; then a good sender, verified. CI runs a bounded count; scripts/torture.sh runs 100,000 by
/// setting RAWFRAMES_TORTURE_INPUTS.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class TortureTests
{
    private const int MaxMessageBytes = 1 << 20;
    private const int MaxConnections = 64;

    // The receiver's peak resident memory must stay under this: its baseline plus two maximum-size messages for
    // every connection it may hold (one being read, one of slack in the pooled receive buffers).
    private const long MemoryBoundBytes = (96L << 20) + (2L * MaxConnections * MaxMessageBytes);

    private static int Inputs => int.TryParse(Environment.GetEnvironmentVariable("RAWFRAMES_TORTURE_INPUTS"), out int n) ? n : 3000;

    [Fact]
    public async Task GeneratedBadInput_NeverCrashesTheReceiver_MemoryStaysBounded_AndAGoodSenderStillGetsThrough()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--max-message-bytes", $"{MaxMessageBytes}",
            "--max-connections", $"{MaxConnections}", "--idle-timeout", "3", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        var address = (IPEndPoint)await RawFrames.Protocol.Transport.FrameEndpoint.Parse(endpoint).ResolveAsync(CancellationToken.None);

        // Hundreds of connections that open and say nothing: the limit refuses all but 64 at once, with an ERROR.
        List<Socket> idle = await OpenIdleAsync(address, 300);
        int refused = await CountRefusedAsync(idle, expected: idle.Count - MaxConnections);
        foreach (Socket socket in idle)
        {
            socket.Dispose();
        }

        var hung = new ConcurrentBag<string>();
        var kinds = new ConcurrentDictionary<string, int>();
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(TortureInputs.Generate(seed: 20261121, Inputs), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (input, _) =>
        {
            kinds.AddOrUpdate(input.Kind, 1, static (_, n) => n + 1);
            if (!await DeliverAsync(address, input))
            {
                hung.Add($"{input.Kind} ({input.Bytes.Length} bytes)");
            }
        });
        stopwatch.Stop();

        long peak = receiver.MemoryBytes("VmHWM");
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:640x480", "--frames", "300", "--ack", "--json", "--quiet");
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        receiver.Signal("TERM");
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        Console.WriteLine($"torture: {Inputs} inputs in {stopwatch.Elapsed.TotalSeconds:0.0} s ({string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}); " +
                          $"peak RSS {peak >> 20} MiB; receiver errors {received.GetProperty("errors_by_kind")}");
        refused.Should().Be(300 - MaxConnections, "every idle connection over the limit was refused at once");
        hung.Should().BeEmpty("the receiver closes every connection that sent bad input, or that ended, by itself");
        peak.Should().BeLessThan(MemoryBoundBytes, $"the stated bound is 96 MiB + 2 x {MaxConnections} connections x {MaxMessageBytes} bytes");
        sendExit.Should().Be(0, sender.Stderr);
        sent.GetProperty("acked").GetInt64().Should().Be(300, "a good sender afterwards gets every frame through");
        JsonElement stream = received.GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("frames").GetInt64() == 300);
        stream.GetProperty("gaps").GetInt64().Should().Be(0);
        received.GetProperty("errors").GetInt64().Should().BeGreaterThan(Inputs / 2, "bad input is counted, by kind");
        received.GetProperty("errors_by_kind").EnumerateObject().Select(kind => kind.Name).Should().Contain(["MessageTooLarge", "BadMagic", "TruncatedStream", "ConnectionLimit"]);
    }

    // Sends the input, closes the write side, and waits for the receiver to close the connection: true when it
    // did within the bound (after an ERROR or not), false when it left the connection hanging.
    private static async Task<bool> DeliverAsync(IPEndPoint address, TortureInput input)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.ConnectAsync(address, bound.Token);
            switch (input.Delivery)
            {
                case Delivery.Trickle:
                    for (int i = 0; i < input.Bytes.Length; i++)
                    {
                        await socket.SendAsync(input.Bytes.AsMemory(i, 1), bound.Token);
                        await Task.Delay(2, bound.Token);
                    }

                    break;
                case Delivery.Pieces:
                    for (int offset = 0, piece = 1; offset < input.Bytes.Length; offset += piece, piece = Math.Min(piece * 3, 4096))
                    {
                        await socket.SendAsync(input.Bytes.AsMemory(offset, Math.Min(piece, input.Bytes.Length - offset)), bound.Token);
                    }

                    break;
                default:
                    await socket.SendAsync(input.Bytes, bound.Token);
                    break;
            }

            socket.Shutdown(SocketShutdown.Send);
            byte[] sink = new byte[4096];
            while (await socket.ReceiveAsync(sink, bound.Token) > 0)
            {
                // The receiver's preamble, HELLO, ERROR or END: read until it closes.
            }

            return true;
        }
        catch (SocketException)
        {
            return true; // reset by the receiver: closed, too
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // The idle connections the receiver refused: it wrote them a preamble and ERROR ConnectionLimit and closed them.
    // Waits (bounded) until as many as expected have an answer to read; then reads what each got.
    private static async Task<int> CountRefusedAsync(List<Socket> sockets, int expected)
    {
        int refused = 0;
        byte[] reply = new byte[256];
        await ProgramProcess.WaitUntilAsync(() => sockets.Count(socket => socket.Poll(0, SelectMode.SelectRead)) >= expected,
            $"{expected} idle connections were answered");
        foreach (Socket socket in sockets.Where(socket => socket.Poll(0, SelectMode.SelectRead)))
        {
            // Preamble (8 bytes), then ERROR: length at 8, type 0x04 at 12, code at 16.
            int read = await socket.ReceiveAsync(reply);
            if (read >= 20 && reply[12] == 0x04 && BitConverter.ToUInt32(reply, 16) == 14)
            {
                refused++;
            }
        }

        return refused;
    }

    private static async Task<List<Socket>> OpenIdleAsync(IPEndPoint address, int count)
    {
        var sockets = new List<Socket>(count);
        for (int i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(address);
            sockets.Add(socket);
        }

        return sockets;
    }
}
