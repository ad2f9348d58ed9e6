using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RawFrames.Protocol.Transport;

/// <summary>
/// Where to connect or listen: <c>tcp://HOST:PORT</c>, <c>unix:///absolute/path</c>, or <c>shm:///absolute/path</c>: the
/// same Unix socket with frames passed through shared memory (PROTOCOL.md §15) when the peer agrees.
/// </summary>
internal sealed record FrameEndpoint
{
    private FrameEndpoint(string text, string? host, int port, string? unixPath, bool usesSharedMemory = false)
    {
        UsesSharedMemory = usesSharedMemory;
        Text = text;
        Host = host;
        Port = port;
        UnixPath = unixPath;
    }

    public string Text { get; }

    /// <summary>Host name or address of a TCP endpoint; null for a Unix socket.</summary>
    public string? Host { get; }

    public int Port { get; }

    /// <summary>Socket file of a Unix endpoint; null for TCP.</summary>
    public string? UnixPath { get; }

    public bool IsUnix => UnixPath is not null;

    /// <summary>A <c>shm://</c> endpoint: a Unix socket on which a producer offers shared memory.</summary>
    public bool UsesSharedMemory { get; }

    public override string ToString() => Text;

    public static FrameEndpoint Parse(string text)
    {
        if (TryParse(text, out FrameEndpoint? endpoint, out string? error))
        {
            return endpoint;
        }

        throw new FormatException(error);
    }

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FrameEndpoint? endpoint, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        error = null;
        text = text?.Trim() ?? "";
        const string Usage = "expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:5555, tcp://[::1]:5555), unix:///absolute/path or shm:///absolute/path";
        foreach (string scheme in (ReadOnlySpan<string>)["unix://", "shm://"])
        {
            if (text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                string path = text[scheme.Length..];
                if (!path.StartsWith('/'))
                {
                    error = $"'{text}': a Unix socket path must be absolute ({scheme}/tmp/rawframes.sock); {Usage}";
                    return false;
                }

                endpoint = new FrameEndpoint(text, null, 0, path, usesSharedMemory: scheme == "shm://");
                return true;
            }
        }

        if (!text.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{text}': unknown scheme; {Usage}";
            return false;
        }

        string hostPort = text["tcp://".Length..].TrimEnd('/');
        int colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || colon == hostPort.Length - 1)
        {
            error = $"'{text}': missing host or port; {Usage}";
            return false;
        }

        string host = hostPort[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            error = $"'{text}': put an IPv6 address in brackets, e.g. tcp://[::1]:5555";
            return false;
        }

        if (!int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 0 or > 65535)
        {
            error = $"'{text}': port must be a number from 0 to 65535";
            return false;
        }

        endpoint = new FrameEndpoint(text, host, port, null);
        return true;
    }

    /// <summary>Resolves to a socket address (a DNS lookup for TCP host names).</summary>
    public async Task<EndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (UnixPath is not null)
        {
            return new UnixDomainSocketEndPoint(UnixPath);
        }

        if (IPAddress.TryParse(Host, out IPAddress? address))
        {
            return new IPEndPoint(address, Port);
        }

        IPAddress[] addresses = await Dns.GetHostAddressesAsync(Host!, cancellationToken).ConfigureAwait(false);
        return addresses.Length > 0
            ? new IPEndPoint(addresses[0], Port)
            : throw new SocketException((int)SocketError.HostNotFound);
    }
}
