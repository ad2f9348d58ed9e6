using System.Net.Sockets;

namespace RawFrames.Protocol.Transport;

/// <summary>Socket options and buffer sizes measured on this kind of machine (shared/FACTS.md).</summary>
internal static class SocketTuning
{
    /// <summary>
    /// PipeReader read size: the 4 KiB default costs half the throughput of large frames; 1 MiB reads move a 1080p
    /// frame in six system calls.
    /// </summary>
    public const int ReadBufferSize = 1024 * 1024;

    /// <summary>
    /// A read goes into the tail block while it has at least this much room, so blocks fill up and a frame holds
    /// about frame/1 MiB + 1 of them; the pool then reaches its steady size within the first frames.
    /// </summary>
    public const int MinimumReadSize = 64 * 1024;

    /// <summary>Unix socket buffers: 4 MiB gave +33% on Unix sockets. TCP keeps autotuning, which fixed sizes turn off.</summary>
    public const int UnixSocketBufferSize = 4 * 1024 * 1024;

    public static void Apply(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily == AddressFamily.Unix)
        {
            socket.SendBufferSize = UnixSocketBufferSize;
            socket.ReceiveBufferSize = UnixSocketBufferSize;
        }
        else
        {
            // Small control messages (PONG, END, ACK) must not wait for Nagle's timer.
            socket.NoDelay = true;
        }
    }
}
