using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Protocol.Transport.Sockets;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>Opening a connection, from either side, or refusing one before it opens.</summary>
internal sealed partial class FrameConnection
{
    /// <summary>Opens a connection and completes the opening as the connecting side (PROTOCOL.md §2.1).</summary>
    /// <exception cref="ConnectFailedException">Nothing accepted the connection.</exception>
    /// <exception cref="ProtocolException">The acceptor refused (<see cref="ProtocolException.SentByPeer"/>) or broke the protocol.</exception>
    public static async Task<FrameConnection> ConnectAsync(FrameEndpoint endpoint, ConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        // The connector decides (PROTOCOL.md §15.1): shm:// asks for shared memory, unix:// keeps frames on the socket.
        options = options with
        {
            Capabilities = endpoint.UsesSharedMemory ? options.Capabilities | Capabilities.SharedMemory : options.Capabilities & ~Capabilities.SharedMemory,
        };
        SocketTransport transport = await SocketTransport.ConnectAsync(endpoint, options, cancellationToken).ConfigureAwait(false);
        var connection = new FrameConnection(transport, options);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.HandshakeTimeout);
            try
            {
                connection.Opened(await ConnectionOpening.AsConnectorAsync(connection._input, connection._writer, connection.LocalHello, endpoint.Text, timeout.Token)
                    .ConfigureAwait(false));
            }
            catch (ProtocolException e) when (!e.SentByPeer && e.Code != ErrorCode.BadMagic)
            {
                await connection.SendErrorAsync(e.Code, e.Message).ConfigureAwait(false);
                throw;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // §9: the acceptor did not answer in time; it is told so (our preamble went out first, §2.1).
                string reason = $"{endpoint.Text} did not complete the opening within {options.HandshakeTimeout.TotalSeconds:0.#} s";
                await connection.SendErrorAsync(ErrorCode.Timeout, reason).ConfigureAwait(false);
                throw new ProtocolException(ErrorCode.Timeout, reason);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Completes the opening as the accepting side (PROTOCOL.md §2.2) on a socket from a listener. On failure the
    /// peer has been told why where it can understand it, the socket is closed, and the exception says why.
    /// </summary>
    public static async Task<FrameConnection> AcceptAsync(Socket socket, ConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(options);
        SocketTransport transport = await SocketTransport.AcceptAsync(socket, options, cancellationToken).ConfigureAwait(false);
        var connection = new FrameConnection(transport, options);
        try
        {
            connection.Opened(await ConnectionOpening.AsAcceptorAsync(connection._input, connection._writer, transport.Output, connection.LocalHello,
                options.Role == PeerRole.Consumer ? options.Token : null, transport.Remote, options.HandshakeTimeout, cancellationToken).ConfigureAwait(false));
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Refuses a connection before its opening (PROTOCOL.md §9: preamble + ERROR, e.g. ConnectionLimit), inside TLS
    /// when the listener uses it, then closes it. Bounded in time; a peer that is gone is simply closed.
    /// </summary>
    public static async Task RefuseAsync(Socket socket, ConnectionOptions options, ErrorCode code, string reason)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(options);
        using var cts = new CancellationTokenSource(s_closeGrace);
        try
        {
            Stream stream = await SocketTransport.SecureAsync(socket, options, "", client: false, "a refused peer", cts.Token).ConfigureAwait(false);
            await using ConfiguredAsyncDisposable closing = stream.ConfigureAwait(false);
            await SocketTransport.RefuseAsync(stream, code, reason).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ProtocolException or ObjectDisposedException)
        {
            // The peer is gone or never spoke TLS: closing is all that is left.
        }
        finally
        {
            socket.Dispose();
        }
    }
}
