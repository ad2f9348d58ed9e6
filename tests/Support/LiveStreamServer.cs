using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RawFrames.Tests.Support;

/// <summary>
/// A network camera stand-in for tests of live sources: ffmpeg encodes a live test pattern (MPEG-2 in MPEG-TS, a
/// key frame every 5 frames) and every TCP client that connects gets the stream from where it is, as a camera's
/// server gives it; several clients at once (a probe and a reader). Stopping it drops every client, as a camera that
/// is unplugged or restarts.
/// </summary>
public sealed class LiveStreamServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Process _ffmpeg;
    private readonly ConcurrentDictionary<Socket, byte> _clients = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Task _pumping;

    private LiveStreamServer(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        var start = new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
            "-pix_fmt", "yuv420p", "-c:v", "mpeg2video", "-g", "5", "-f", "mpegts", "pipe:1"]) { RedirectStandardOutput = true };
        _ffmpeg = Process.Start(start)!;
        _accepting = Task.Run(AcceptAsync);
        _pumping = Task.Run(PumpAsync);
    }

    /// <summary>Serves on tcp://127.0.0.1:<paramref name="port"/>.</summary>
    public static LiveStreamServer Start(int port) => new(port);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _ffmpeg.Kill(entireProcessTree: true);
        _ffmpeg.WaitForExit(5000);
        foreach (Socket client in _clients.Keys)
        {
            client.Dispose();
        }

        Task.WaitAll([_accepting, _pumping], TimeSpan.FromSeconds(5));
        _ffmpeg.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                _clients[await _listener.AcceptSocketAsync(_stop.Token)] = 0;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task PumpAsync()
    {
        byte[] chunk = new byte[64 * 1024];
        Stream stream = _ffmpeg.StandardOutput.BaseStream;
        int read;
        while ((read = await stream.ReadAsync(chunk)) > 0)
        {
            foreach (Socket client in _clients.Keys)
            {
                try
                {
                    client.Send(chunk.AsSpan(0, read));
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    _clients.TryRemove(client, out _); // that viewer left
                    client.Dispose();
                }
            }
        }
    }
}
