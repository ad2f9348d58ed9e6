using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace RawFrames.Protocol.Transport.Sockets;

/// <summary>
/// Reads straight from a socket. On TCP, when a large part of a message is still to come, it sets SO_RCVLOWAT so
/// the kernel wakes this reader once a useful amount has queued instead of for every segment: measured on loopback
/// with 1080p frames, a third less receiver CPU per frame and more frames per second. The amount follows the link's
/// speed (what arrives in 5 ms), so a slow link still wakes the reader often enough that every
/// byte counts as traffic for the idle timeout; and it is never more than what is still to come, so no read waits for
/// bytes that are not on their way.
/// </summary>
internal sealed class SocketSource(Socket socket) : ByteSource
{
    private const int MinLowWater = 64 * 1024;
    private const int MaxLowWater = 1024 * 1024;
    private const double LowWaterSeconds = 0.005;
    private readonly bool _tcp = socket.ProtocolType == ProtocolType.Tcp;
    private int _lowWater = 1;
    private double _bytesPerSecond;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> destination, int wanted, CancellationToken cancellationToken)
    {
        if (!_tcp)
        {
            return await socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        int lowWater = (int)Math.Min(Math.Min(wanted, MaxLowWater), _bytesPerSecond * LowWaterSeconds);
        SetLowWater(lowWater >= MinLowWater ? lowWater : 1);
        long started = Stopwatch.GetTimestamp();
        int read = await socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (wanted >= MinLowWater && read > 0)
        {
            // The rate of large reads only: a read that waited for the next message says nothing about the link.
            double rate = read / Math.Max(Stopwatch.GetElapsedTime(started).TotalSeconds, 1e-6);
            _bytesPerSecond = _bytesPerSecond == 0 ? Math.Min(rate, MinLowWater / LowWaterSeconds) : (0.75 * _bytesPerSecond) + (0.25 * rate);
        }

        return read;
    }

    private void SetLowWater(int bytes)
    {
        if (bytes == _lowWater)
        {
            return;
        }

        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, bytes);
            _lowWater = bytes;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A closed socket: the read that follows reports it.
        }
    }
}
