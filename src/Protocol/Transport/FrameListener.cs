using System.Net;
using System.Net.Sockets;

namespace RawFrames.Protocol.Transport;

/// <summary>A listening socket on a <see cref="FrameEndpoint"/>; each accepted socket is one peer.</summary>
internal sealed class FrameListener : IDisposable
{
    private const int SolSocket = 1;   // SOL_SOCKET on Linux
    private const int SoReuseAddr = 2; // SO_REUSEADDR on Linux

    private readonly Socket _socket;
    private readonly string? _unixPath;

    private FrameListener(Socket socket, FrameEndpoint endpoint, FrameEndpoint bound)
    {
        _socket = socket;
        _unixPath = endpoint.UnixPath;
        Endpoint = bound;
    }

    /// <summary>The endpoint as bound: for <c>tcp://HOST:0</c>, the port the system chose.</summary>
    public FrameEndpoint Endpoint { get; }

    public static async Task<FrameListener> StartAsync(FrameEndpoint endpoint, int backlog = 128, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        EndPoint address = await endpoint.ResolveAsync(cancellationToken).ConfigureAwait(false);
        if (endpoint.UnixPath is not null)
        {
            await RemoveStaleSocketFileAsync(endpoint.UnixPath, address, cancellationToken).ConfigureAwait(false);
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, endpoint.IsUnix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            if (!endpoint.IsUnix)
            {
                // A restarted receiver must be able to bind again while old connections sit in TIME_WAIT: SO_REUSEADDR
                // alone, set raw. .NET's ReuseAddress sets SO_REUSEPORT too on Linux, which lets a second process
                // listen on the same port and take some of the senders: an address belongs to one listener.
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            }

            SocketTuning.Apply(socket);
            socket.Bind(address);
            socket.Listen(backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        FrameEndpoint bound = socket.LocalEndPoint is IPEndPoint ip
            ? FrameEndpoint.Parse($"tcp://{(ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString())}:{ip.Port}")
            : endpoint;
        return new FrameListener(socket, endpoint, bound);
    }

    public ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken) => _socket.AcceptAsync(cancellationToken);

    public void Dispose()
    {
        _socket.Dispose();
        if (_unixPath is not null)
        {
            File.Delete(_unixPath);
        }
    }

    // A socket file left by a receiver that crashed blocks Bind: it is removed. Anything else at the path is the user's
    // (a typo in --listen must not delete a file): refused with the file untouched, as is a socket someone accepts on.
    private static async Task RemoveStaleSocketFileAsync(string path, EndPoint address, CancellationToken cancellationToken)
    {
        if (Interop.Libc.FileType(path) is not { } type)
        {
            return;
        }

        if (type != Interop.Libc.SocketType)
        {
            throw new IOException($"{path} is {Describe(type)}, not a socket; it was left untouched: listen on another path");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }

        throw new IOException($"{path} is in use: another process is listening on it");
    }

    private static string Describe(int type) => type switch
    {
        0x8000 => "a regular file",
        0x4000 => "a folder",
        0xA000 => "a symbolic link",
        0x1000 => "a named pipe (FIFO)",
        0x2000 or 0x6000 => "a device",
        _ => "not a socket",
    };
}
