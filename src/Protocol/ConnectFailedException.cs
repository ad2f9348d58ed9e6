using System.Net.Sockets;
using RawFrames.Protocol.Transport;

namespace RawFrames.Client;

/// <summary>
/// Connecting to an endpoint failed before any byte was exchanged: nothing listens there, the socket file is missing,
/// the host is unknown or unreachable. The message names the endpoint and says what to check; <see cref="SocketError"/>
/// tells a caller whether trying again later can help.
/// </summary>
public sealed class ConnectFailedException : IOException
{
    internal ConnectFailedException(FrameEndpoint endpoint, SocketException inner)
        : base(Describe(endpoint, inner), inner)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint.Text;
        SocketError = inner.SocketErrorCode;
    }

    /// <summary>A failed connect, without details.</summary>
    public ConnectFailedException()
    {
        Endpoint = "";
    }

    /// <summary>A failed connect, said in <paramref name="message"/>.</summary>
    public ConnectFailedException(string message) : base(message)
    {
        Endpoint = "";
    }

    /// <summary>A failed connect, said in <paramref name="message"/>, found through <paramref name="inner"/>.</summary>
    public ConnectFailedException(string message, Exception inner) : base(message, inner)
    {
        Endpoint = "";
    }

    /// <summary>Where the connection was tried, e.g. <c>tcp://10.0.0.5:5555</c>.</summary>
    public string Endpoint { get; }

    /// <summary>What the system said, e.g. <see cref="SocketError.ConnectionRefused"/>.</summary>
    public SocketError SocketError { get; }

    /// <summary>Nobody listens yet, or the peer is restarting: a later attempt may succeed.</summary>
    public bool IsWorthRetrying => SocketError is SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.TryAgain
        or SocketError.ConnectionReset or SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable;

    // In the user's words: what is wrong at that address, and what to check.
    private static string Describe(FrameEndpoint endpoint, SocketException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (endpoint?.UnixPath is { } path)
        {
            return !File.Exists(path)
                ? $"{endpoint}: there is no socket file {path}; is the receiver listening there (--listen unix://{path})?"
                : $"{endpoint}: {path} exists but nothing accepts connections on it ({e.Message}); is the receiver running?";
        }

        return e.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => $"{endpoint}: nothing is listening there (connection refused); is the receiver running with --listen {endpoint}?",
            SocketError.HostNotFound or SocketError.NoData => $"{endpoint}: the host name {endpoint?.Host} is not known (DNS)",
            SocketError.TimedOut => $"{endpoint}: no answer from the host (timed out); check the address and any firewall",
            SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"{endpoint}: the host cannot be reached from here ({e.Message})",
            SocketError.AddressNotAvailable => $"{endpoint}: the address is not available on this host ({e.Message})",
            _ => $"{endpoint}: {e.Message}",
        };
    }
}
