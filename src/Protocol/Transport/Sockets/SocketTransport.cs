using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Net;
using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport.Sockets;

/// <summary>
/// The bytes of one connection: a TCP or Unix socket, plain or inside TLS (PROTOCOL.md §14). Reads go through
/// <see cref="Source"/> (straight from the socket when plain), writes through <see cref="Output"/>.
/// </summary>
internal sealed class SocketTransport : IAsyncDisposable
{
    private readonly Socket _socket;
    private int _disposed;

    private SocketTransport(Socket socket, Stream output, string remote)
    {
        _socket = socket;
        Output = output;
        Remote = remote;
        Source = output is SslStream ? new StreamSource(output) : new SocketSource(socket);
        SharesClock = socket.RemoteEndPoint is null or UnixDomainSocketEndPoint
            || (socket.RemoteEndPoint is IPEndPoint ip && IPAddress.IsLoopback(ip.Address));
    }

    public ByteSource Source { get; }

    /// <summary>The socket's stream, or TLS over it.</summary>
    public Stream Output { get; }

    /// <summary>The peer's address, for logs.</summary>
    public string Remote { get; }

    public bool IsUnix => _socket.AddressFamily == AddressFamily.Unix;

    public bool IsEncrypted => Output is SslStream;

    /// <summary>True on loopback and Unix sockets, where both sides read the same wall clock.</summary>
    public bool SharesClock { get; }

    /// <summary>Connects to <paramref name="endpoint"/> (resolving a host name), then runs TLS when asked.</summary>
    /// <exception cref="ConnectFailedException">Nothing accepted the connection; the message says what to check.</exception>
    public static async Task<SocketTransport> ConnectAsync(FrameEndpoint endpoint, ConnectionOptions options, CancellationToken cancellationToken)
    {
        EndPoint address;
        try
        {
            address = await endpoint.ResolveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new ConnectFailedException(endpoint, e);
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, endpoint.IsUnix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            SocketTuning.Apply(socket);
            try
            {
                await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new ConnectFailedException(endpoint, e);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.HandshakeTimeout);
            Stream stream = await SecureAsync(socket, options, endpoint.Host ?? "localhost", client: true, endpoint.Text, timeout.Token).ConfigureAwait(false);
            return new SocketTransport(socket, stream, endpoint.Text);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes an accepted socket: waits for its first byte (a peer that closes before sending one is a health check or
    /// a port scan, reported with <see cref="ProtocolException.PeerSentNothing"/>), then runs TLS when asked. On
    /// failure the socket is closed.
    /// </summary>
    public static async Task<SocketTransport> AcceptAsync(Socket socket, ConnectionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        string remote = Describe(socket);
        try
        {
            SocketTuning.Apply(socket);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.HandshakeTimeout);
            try
            {
                if (!await SendsAnythingAsync(socket, timeout.Token).ConfigureAwait(false))
                {
                    throw new ProtocolException(ErrorCode.TruncatedStream, $"{remote} connected and closed without sending anything (a health check or a port scan)")
                    {
                        PeerSentNothing = true,
                    };
                }

                return new SocketTransport(socket, await SecureAsync(socket, options, remote, client: false, remote, timeout.Token).ConfigureAwait(false), remote);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                string step = options.ServerTls is null ? "sent nothing" : "did not complete the TLS handshake";
                string reason = $"{remote} {step} within {options.HandshakeTimeout.TotalSeconds:0.#} s";
                if (options.ServerTls is null)
                {
                    // §9: an opening that took too long gets preamble + ERROR Timeout (without TLS there is nothing to wrap it in).
                    var stream = new NetworkStream(socket, ownsSocket: false);
                    await using ConfiguredAsyncDisposable closing = stream.ConfigureAwait(false);
                    await RefuseAsync(stream, ErrorCode.Timeout, "the opening did not complete in time: " + reason).ConfigureAwait(false);
                }

                throw new ProtocolException(ErrorCode.Timeout, reason);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes preamble + ERROR, how an acceptor refuses a peer before any HELLO (PROTOCOL.md §2.2, §9), within a short
    /// grace: a peer that is gone or does not read is simply left.
    /// </summary>
    public static async Task RefuseAsync(Stream stream, ErrorCode code, string reason)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var grace = new CancellationTokenSource(RefusalGrace);
        try
        {
            var writer = new MessageWriter(PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
            await writer.WriteRefusalAsync(new ErrorMessage(code, reason), grace.Token).ConfigureAwait(false);
            writer.Complete();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The peer is gone: closing is all that is left.
        }
    }

    /// <summary>How long a refusal may take to write.</summary>
    public static readonly TimeSpan RefusalGrace = TimeSpan.FromSeconds(2);

    /// <summary>The peer's address as logs show it.</summary>
    public static string Describe(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            return socket.RemoteEndPoint is IPEndPoint ip ? ip.ToString() : "unix socket peer";
        }
        catch (ObjectDisposedException)
        {
            return "a peer";
        }
    }

    /// <summary>
    /// Cuts the connection without a goodbye (the peer is gone or stalled): a read or write blocked on it fails at
    /// once. Dispose still follows.
    /// </summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Abort();
        await Output.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    // Waits for the peer's first byte without taking it; false when the peer closes (or resets) before sending one.
    private static async Task<bool> SendsAnythingAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] first = new byte[1];
        try
        {
            return await socket.ReceiveAsync(first, SocketFlags.Peek, cancellationToken).ConfigureAwait(false) > 0;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return false;
        }
    }

    // TLS before anything else when asked for; a handshake that fails is an authentication failure, reported as
    // Unauthorized (no ERROR can reach a peer that does not speak the same TLS).
    internal static async Task<Stream> SecureAsync(Socket socket, ConnectionOptions options, string host, bool client, string remote, CancellationToken cancellationToken)
    {
        var plain = new NetworkStream(socket, ownsSocket: false);
        if ((client ? options.ClientTls is null : options.ServerTls is null))
        {
            return plain;
        }

        var ssl = new SslStream(plain, leaveInnerStreamOpen: false);
        try
        {
            if (client)
            {
                await ssl.AuthenticateAsClientAsync(options.ClientTls!(host), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ssl.AuthenticateAsServerAsync(options.ServerTls!, cancellationToken).ConfigureAwait(false);
            }

            return ssl;
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new ProtocolException(ErrorCode.Unauthorized, $"TLS handshake with {remote} failed: {e.Message}");
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
