using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace RawFrames.Bench.Scenarios;

/// <summary>
/// What the link itself carries, measured in the same run as the scenarios: for TCP loopback, iperf3 with 1 MiB
/// writes when it is installed; otherwise (and for Unix sockets, which iperf3 cannot use) a plain socket copy loop
/// with 1 MiB writes and reads, sender and receiver on two threads of this process.
/// </summary>
public static class LoopbackCeiling
{
    public sealed record Ceiling(TransportKind Transport, double MegabytesPerSecond, string Method);

    public static async Task<Ceiling> MeasureAsync(TransportKind transport, TimeSpan duration)
    {
        if (transport == TransportKind.Tcp && await Iperf3Async(duration) is { } iperf)
        {
            return new Ceiling(transport, iperf, "iperf3 -l 1M");
        }

        return new Ceiling(transport, await CopyLoopAsync(transport, duration), "socket copy loop, 1 MiB writes");
    }

    private static async Task<double?> Iperf3Async(TimeSpan duration)
    {
        int port = Random.Shared.Next(20000, 30000);
        Process server;
        try
        {
            server = Process.Start(new ProcessStartInfo("iperf3", ["-s", "-1", "-p", port.ToString(CultureInfo.InvariantCulture)])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }

        using (server)
        {
            await Task.Delay(500);
            using Process client = Process.Start(new ProcessStartInfo("iperf3",
                ["-c", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-l", "1M", "-J",
                 "-t", Math.Max(1, (int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string json = await client.StandardOutput.ReadToEndAsync();
            await client.WaitForExitAsync();
            if (!server.WaitForExit(5000))
            {
                server.Kill();
            }

            using JsonDocument result = JsonDocument.Parse(json);
            return result.RootElement.TryGetProperty("end", out JsonElement end)
                ? end.GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 8e6
                : null;
        }
    }

    private static async Task<double> CopyLoopAsync(TransportKind transport, TimeSpan duration)
    {
        string? path = transport == TransportKind.Unix ? Path.Combine(Path.GetTempPath(), $"rawframes-ceiling-{Environment.ProcessId}.sock") : null;
        EndPoint bind = path is null ? new IPEndPoint(IPAddress.Loopback, 0) : new UnixDomainSocketEndPoint(path);
        if (path is not null)
        {
            File.Delete(path);
        }

        using var listener = new Socket(bind.AddressFamily, SocketType.Stream, path is null ? ProtocolType.Tcp : ProtocolType.Unspecified);
        listener.Bind(bind);
        listener.Listen(1);
        using var client = new Socket(bind.AddressFamily, SocketType.Stream, path is null ? ProtocolType.Tcp : ProtocolType.Unspecified);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using Socket server = await listener.AcceptAsync();
        if (path is not null)
        {
            // The same socket buffers rawframes uses on Unix sockets.
            client.SendBufferSize = server.ReceiveBufferSize = 4 << 20;
        }

        byte[] outgoing = new byte[1 << 20];
        byte[] incoming = new byte[1 << 20];
        using var stop = new CancellationTokenSource(duration);
        Task sending = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await client.SendAsync(outgoing, SocketFlags.None);
                }
            }
            finally
            {
                client.Shutdown(SocketShutdown.Send);
            }
        });
        long bytes = 0;
        var clock = Stopwatch.StartNew();
        int read;
        while ((read = await server.ReceiveAsync(incoming, SocketFlags.None)) > 0)
        {
            bytes += read;
        }

        double seconds = clock.Elapsed.TotalSeconds;
        await sending;
        if (path is not null)
        {
            File.Delete(path);
        }

        return bytes / seconds / 1e6;
    }
}
