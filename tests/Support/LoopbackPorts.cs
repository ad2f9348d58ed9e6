using System.Net;
using System.Net.Sockets;

namespace RawFrames.Tests.Support;

/// <summary>Ports for tests that must know the address before the listener exists (a receiver started later, or twice).</summary>
internal static class LoopbackPorts
{
    /// <summary>A TCP port on 127.0.0.1 that nothing listened on a moment ago.</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
