using RawFrames.Protocol.Transport;

namespace RawFrames.Client;

/// <summary>What carries the frames of a <see cref="SocketEndpoint"/>.</summary>
public enum SocketKind
{
    /// <summary><c>tcp://HOST:PORT</c>.</summary>
    Tcp,

    /// <summary><c>unix:///PATH</c>: a Unix domain socket.</summary>
    Unix,

    /// <summary><c>shm:///PATH</c>: a Unix domain socket on which frames pass through shared memory (PROTOCOL.md §15).</summary>
    SharedMemory,
}

/// <summary>A connection endpoint: TCP, a Unix socket, or shared memory over a Unix socket.</summary>
public sealed class SocketEndpoint : Endpoint
{
    internal SocketEndpoint(FrameEndpoint endpoint)
        : base(endpoint.Text, endpoint.Text)
    {
        Address = endpoint;
    }

    /// <summary>The <c>tcp://</c>, <c>unix://</c> or <c>shm://</c> endpoint <paramref name="text"/> names.</summary>
    /// <exception cref="FormatException">Not one; the message says what is wrong and which forms there are.</exception>
    public static new SocketEndpoint Parse(string text) => new(FrameEndpoint.Parse(text));

    /// <summary>TCP, Unix socket or shared memory.</summary>
    public SocketKind Kind => Address.UsesSharedMemory ? SocketKind.SharedMemory : Address.IsUnix ? SocketKind.Unix : SocketKind.Tcp;

    /// <summary>TCP: the host name or address; otherwise null.</summary>
    public string? Host => Address.Host;

    /// <summary>TCP: the port (0: any free port when listening); otherwise 0.</summary>
    public int Port => Address.Port;

    /// <summary>Unix socket and shared memory: the socket file; otherwise null.</summary>
    public string? Path => Address.UnixPath;

    internal FrameEndpoint Address { get; }
}
