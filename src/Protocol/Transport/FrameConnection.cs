using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using RawFrames.Protocol.Transport.SharedMemory;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>
/// One open connection after the opening of PROTOCOL.md §2 and §5: a <see cref="MessageReader"/> and a
/// <see cref="MessageWriter"/> over a socket, answering PING and enforcing which messages each role may send.
/// </summary>
public sealed class FrameConnection : IAsyncDisposable
{
    private static readonly TimeSpan s_closeGrace = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly Stream _stream; // the socket's, or TLS over it
    private readonly ReadOnlyMemory<byte>? _requiredToken;
    private readonly MessageReader _reader;
    private readonly MessageWriter _writer;
    private int _disposed;
    private int _reservedBlocks;
    private int _endSent;
    private int _errorSent;
    private readonly TimeSpan _idleTimeout;
    private LivenessWatch? _liveness;
    private volatile string? _timedOut;
    private readonly ConnectionOptions _options;
    private SharedMemoryProducer? _sharedOut;
    private SharedMemoryConsumer? _sharedIn;

    private FrameConnection(Socket socket, Stream stream, ConnectionOptions options, string remote)
    {
        _socket = socket;
        _stream = stream;
        _requiredToken = options.Role == PeerRole.Consumer ? options.Token : null;
        Remote = remote;
        // Shared memory (PROTOCOL.md §15) needs both processes on one host, which only a Unix socket proves; under TLS
        // every byte is meant to go through TLS.
        if (socket.AddressFamily != AddressFamily.Unix || options.Tls is not null || !Directory.Exists(RingAnnouncement.Directory))
        {
            options = options with { Capabilities = options.Capabilities & ~Capabilities.SharedMemory };
        }

        _options = options;
        LocalHello = options.ToHello();
        _idleTimeout = options.IdleTimeout;
        _reader = new MessageReader(
            PipeReader.Create(stream, new StreamPipeReaderOptions(SegmentPool.Shared, SocketTuning.ReadBufferSize, SocketTuning.MinimumReadSize, leaveOpen: true)),
            options.MaxMessageLength);
        _writer = new MessageWriter(PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true)))
        {
            CutOff = Abort, // a cancelled write the peer does not take in time ends the connection, never half a frame
        };
        SharesClock = socket.RemoteEndPoint is null or UnixDomainSocketEndPoint
            || (socket.RemoteEndPoint is IPEndPoint ip && IPAddress.IsLoopback(ip.Address));
    }

    public Hello LocalHello { get; }

    public Hello PeerHello { get; private set; } = null!;

    /// <summary>The peer's address, for logs.</summary>
    public string Remote { get; }

    /// <summary>Why this side closed the connection on its own (its idle timeout expired), or null.</summary>
    public string? TimedOut => _timedOut;

    /// <summary>True on loopback and Unix sockets, where both sides read the same wall clock and latency is meaningful.</summary>
    public bool SharesClock { get; }

    /// <summary>Opens a connection and completes the opening as the connecting side (PROTOCOL.md §2.1).</summary>
    public static async Task<FrameConnection> ConnectAsync(FrameEndpoint endpoint, ConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        EndPoint address;
        try
        {
            address = await endpoint.ResolveAsync(cancellationToken);
        }
        catch (SocketException e)
        {
            throw new ConnectFailedException(endpoint, e);
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, endpoint.IsUnix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        FrameConnection? connection = null;
        try
        {
            SocketTuning.Apply(socket);
            try
            {
                await socket.ConnectAsync(address, cancellationToken);
            }
            catch (SocketException e)
            {
                throw new ConnectFailedException(endpoint, e);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.HandshakeTimeout);
            Stream stream = await SecureAsync(socket, options.Tls, endpoint.Host ?? "localhost", client: true, endpoint.Text, timeout.Token);
            // The connector decides (PROTOCOL.md §15.1): shm:// asks for shared memory, unix:// keeps frames on the socket.
            options = options with
            {
                Capabilities = endpoint.UsesSharedMemory
                    ? options.Capabilities | Capabilities.SharedMemory
                    : options.Capabilities & ~Capabilities.SharedMemory,
            };

            connection = new FrameConnection(socket, stream, options, endpoint.Text);
            await connection.OpenAsConnectorAsync(timeout.Token);
            connection.StartLiveness();
            return connection;
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            socket.Dispose();
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
        SocketTuning.Apply(socket);
        string remote = socket.RemoteEndPoint is IPEndPoint ip ? ip.ToString() : "unix socket peer";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandshakeTimeout);
        Stream stream;
        try
        {
            if (!await SendsAnythingAsync(socket, timeout.Token))
            {
                throw new ProtocolException(ErrorCode.TruncatedStream, $"{remote} connected and closed without sending anything (a health check or a port scan)")
                {
                    PeerSentNothing = true,
                };
            }

            stream = await SecureAsync(socket, options.Tls, remote, client: false, remote, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            string step = options.Tls is null ? "sent nothing" : "did not complete the TLS handshake";
            throw new ProtocolException(ErrorCode.Timeout, $"{remote} {step} within {options.HandshakeTimeout.TotalSeconds:0.#} s");
        }

        var connection = new FrameConnection(socket, stream, options, remote);
        try
        {
            await connection.OpenAsAcceptorAsync(timeout.Token);
            connection.StartLiveness();
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync();
            throw new ProtocolException(ErrorCode.Timeout, $"{remote} did not complete the opening within {options.HandshakeTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            await connection.DisposeAsync();
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
            await using Stream stream = await SecureAsync(socket, options.Tls, "", client: false, "a refused peer", cts.Token);
            var writer = new MessageWriter(PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
            await writer.WriteRefusalAsync(new ErrorMessage(code, reason), cts.Token);
            writer.Complete();
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

    // Waits for the peer's first byte without taking it; false when the peer closes (or resets) before sending one.
    private static async Task<bool> SendsAnythingAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] first = new byte[1];
        try
        {
            return await socket.ReceiveAsync(first, SocketFlags.Peek, cancellationToken) > 0;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return false;
        }
    }

    /// <summary>After a lost connection: the message that was cut, e.g. "a message: 4 of its 60 bytes arrived", or null.</summary>
    public string? PartialMessage => _reader.DescribePartialMessage();

    /// <summary>True when the connection runs over TLS.</summary>
    public bool IsEncrypted => _stream is SslStream;

    // TLS before anything else when asked for; a handshake that fails is an authentication failure, reported as
    // Unauthorized (no ERROR can reach a peer that does not speak the same TLS).
    private static async Task<Stream> SecureAsync(Socket socket, TlsOptions? tls, string host, bool client, string remote, CancellationToken cancellationToken)
    {
        var plain = new NetworkStream(socket, ownsSocket: false);
        if (tls is null)
        {
            return plain;
        }

        var ssl = new SslStream(plain, leaveInnerStreamOpen: false);
        try
        {
            if (client)
            {
                await ssl.AuthenticateAsClientAsync(tls.ForClient(host), cancellationToken);
            }
            else
            {
                await ssl.AuthenticateAsServerAsync(tls.ForServer(), cancellationToken);
            }

            return ssl;
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw new ProtocolException(ErrorCode.Unauthorized, $"TLS handshake with {remote} failed: {e.Message}");
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Reads the next message for the application: FRAME (consumer), ACK or RESULT (producer), END, ERROR, or a
    /// message of type <see cref="MessageType.None"/> when the peer closed. PING is answered here, and a consumer that
    /// negotiated ACK acknowledges each FRAME here (PROTOCOL.md §10.1). The message is
    /// valid until the next call.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Message> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_sharedIn?.TakeHeld() is >= 0 and int held)
        {
            await ReleaseSlotAsync(held, cancellationToken);
        }

        while (true)
        {
            Message message;
            try
            {
                message = await _reader.ReadAsync(cancellationToken);
                if (message.IsConnectionClosed)
                {
                    _sharedOut?.Fail($"{Remote} closed the connection");
                    if (_timedOut is not null)
                    {
                        throw new ProtocolException(ErrorCode.Timeout, _timedOut);
                    }

                    return message;
                }

                MessageRules.CheckAfterOpening(message.Type, PeerHello.Role, LocalHello.Capabilities & PeerHello.Capabilities);
                switch (message.Type)
                {
                    case MessageType.Frame:
                        ReserveReceiveBlocks(message.Body.Length);
                        break;
                    case MessageType.Ring:
                        _sharedIn!.OnRing(message.ReadRing());
                        continue;
                    case MessageType.SharedFrame:
                        message = _sharedIn!.ToFrame(message);
                        break;
                    case MessageType.Release:
                        _sharedOut!.OnRelease(message.ReadRelease());
                        continue;
                }
            }
            catch (ProtocolException e)
            {
                // PROTOCOL.md §9: whoever detects an error tells the peer (but for a truncated stream: it is gone).
                _sharedOut?.Fail(e.Message);
                await SendErrorAsync(e.Code, e.Message);
                throw;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _sharedOut?.Fail(e.Message);
                if (_timedOut is not null)
                {
                    throw new ProtocolException(ErrorCode.Timeout, _timedOut);
                }

                throw;
            }

            switch (message.Type)
            {
                case MessageType.Ping:
                    await _writer.WritePongAsync(message.PingToken, cancellationToken);
                    continue;
                case MessageType.Pong:
                    continue;
                case MessageType.Frame when Negotiated.HasFlag(Capabilities.Ack):
                    // PROTOCOL.md §10.1: with ACK negotiated, one ACK per FRAME, in the order read, as soon as it is whole.
                    await _writer.WriteAckAsync(new Ack(message.Frame.StreamId, message.Frame.Sequence, UnixTime.NowNanoseconds()), cancellationToken);
                    break;
            }

            return message;
        }
    }

    /// <summary>
    /// Sends a frame; see <see cref="MessageWriter.WriteFrameAsync"/>. With shared memory negotiated the payload is
    /// copied into a free ring slot (waiting for one is the backpressure) and only its reference is sent. The memory
    /// may be reused when this ends.
    /// </summary>
    /// <exception cref="FrameTooLargeException">The frame's message would be longer than the peer accepts; nothing was sent.</exception>
    public ValueTask SendFrameAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (_sharedOut is { } shared && shared.Fits(payload.Length))
        {
            return shared.SendAsync(header, metadata, payload, cancellationToken);
        }

        long length = FrameHeader.MessageLength(metadata.Length, payload.Length);
        return length > PeerHello.MaxMessageLength
            ? throw new FrameTooLargeException(header.Sequence, length, PeerHello.MaxMessageLength)
            : _writer.WriteFrameAsync(header, metadata, payload, cancellationToken);
    }

    /// <summary>
    /// Zero-copy sending over shared memory: a ring slot for a payload of <paramref name="payloadLength"/> bytes, to
    /// write into and send (waiting for a free slot is the backpressure). Null when this connection does not use
    /// shared memory or the payload does not fit a slot: then write the frame with <see cref="SendFrameAsync"/>.
    /// </summary>
    public async ValueTask<FrameLoan?> LoanAsync(int payloadLength, CancellationToken cancellationToken = default) =>
        _sharedOut is { } shared && shared.Fits(payloadLength) ? await shared.LoanAsync(payloadLength, cancellationToken) : null;

    /// <summary>The shared-memory ring of this connection once announced (PROTOCOL.md §15), else null.</summary>
    public RingAnnouncement? SharedMemoryRing => _sharedOut?.Ring ?? _sharedIn?.Ring;

    /// <summary>"shared memory", "unix socket" or "tcp", with TLS when used: how frames travel, for logs and summaries.</summary>
    public string TransportName =>
        Negotiated.HasFlag(Capabilities.SharedMemory) ? "shared memory"
        : _socket.AddressFamily == AddressFamily.Unix ? "unix socket"
        : IsEncrypted ? "tcp+tls" : "tcp";

    public ValueTask SendPingAsync(ulong token, CancellationToken cancellationToken = default) => _writer.WritePingAsync(token, cancellationToken);

    /// <summary>A RESULT for a frame (PROTOCOL.md §10.2); allowed when both HELLOs set <see cref="Capabilities.Result"/>.</summary>
    public ValueTask SendResultAsync(ResultHeader header, ReadOnlyMemory<byte> result, CancellationToken cancellationToken = default) =>
        _writer.WriteResultAsync(header, result, cancellationToken);

    /// <summary>The capabilities both HELLOs set: what this connection may use.</summary>
    public Capabilities Negotiated => LocalHello.Capabilities & PeerHello.Capabilities;

    /// <summary>
    /// PROTOCOL.md §4.2: sends END once (later calls do nothing), bounded in time. From a producer: no more frames
    /// follow. From a consumer: stop sending. Either way the peer answers with its own END and the connection ends.
    /// </summary>
    public async Task SendEndAsync()
    {
        if (Interlocked.Exchange(ref _endSent, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(s_closeGrace);
        try
        {
            await _writer.WriteEndAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The peer left already (or this side closed): it needs no END, and nothing it sent is lost on this side.
        }
    }

    /// <summary>True once this side sent END.</summary>
    public bool EndSent => Volatile.Read(ref _endSent) != 0;

    /// <summary>
    /// Tells the peer why the connection ends (best effort, bounded in time). At most one ERROR goes out per
    /// connection, and none for <see cref="ErrorCode.TruncatedStream"/> (PROTOCOL.md §9: the peer is gone).
    /// </summary>
    public async Task SendErrorAsync(ErrorCode code, string reason)
    {
        if (code == ErrorCode.TruncatedStream || Interlocked.Exchange(ref _errorSent, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(s_closeGrace);
        try
        {
            await _writer.WriteErrorAsync(new ErrorMessage(code, reason), cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // The peer is already gone; the error is still logged on this side.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_liveness is not null)
        {
            await _liveness.DisposeAsync();
        }

        SegmentPool.Shared.Release(_reservedBlocks);
        _sharedOut?.Fail("the connection is closed");

        _reader.Complete();
        if (!_writer.TryComplete(TimeSpan.FromSeconds(1)))
        {
            // A write is stuck on a peer that does not read: cut the socket so that it fails, then complete.
            Abort();
            _writer.TryComplete(TimeSpan.FromSeconds(5));
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }

        await _stream.DisposeAsync();
        _socket.Dispose();
        _sharedOut?.Dispose();
        _sharedIn?.Dispose();
    }

    // The frame read last is done with: give its slot back. A peer that is gone needs no RELEASE; the read that
    // follows reports the closed connection.
    private async ValueTask ReleaseSlotAsync(int slot, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.WriteReleaseAsync(slot, cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    // The idle timeout expired: tell the peer if the link still takes a small write, then cut the socket so that
    // whatever this side is blocked on (a read, a frame write) fails now and reports the reason.
    private async Task OnIdleTimeoutAsync(string reason)
    {
        _timedOut = reason;
        Interlocked.Exchange(ref _errorSent, 1);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _writer.WriteErrorAsync(new ErrorMessage(ErrorCode.Timeout, reason), cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or InvalidOperationException)
        {
            // Stalled or gone: the cut below is what matters.
        }

        Abort();
    }

    /// <summary>
    /// Cuts the connection without a goodbye (the peer is gone or stalled): a read or write blocked on it fails at once.
    /// Dispose still follows.
    /// </summary>
    public void Abort()
    {
        _sharedOut?.Fail("the connection was cut");
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    private void StartLiveness() =>
        _liveness = LivenessWatch.Start(_idleTimeout, TimeSpan.FromMilliseconds(PeerHello.IdleTimeoutMs), _reader, _writer, OnIdleTimeoutAsync);

    // A message spans at most ceil(length / block) blocks plus a partly used block on each side; one more covers a
    // read that stopped just short of the minimum read size. Reserved once per size increase, not per frame.
    private void ReserveReceiveBlocks(long messageLength)
    {
        int needed = (int)((messageLength + SocketTuning.ReadBufferSize - 1) / SocketTuning.ReadBufferSize) + 3;
        if (needed > _reservedBlocks)
        {
            SegmentPool.Shared.Reserve(needed - _reservedBlocks);
            _reservedBlocks = needed;
        }
    }

    // PROTOCOL.md §2.1. Bad bytes from the acceptor are answered with ERROR like any protocol error (§9); the
    // acceptor's own ERROR is its refusal and is only reported.
    private async Task OpenAsConnectorAsync(CancellationToken cancellationToken)
    {
        await _writer.WriteOpeningAsync(LocalHello, cancellationToken);
        Message first;
        try
        {
            await _reader.ReadPreambleAsync(cancellationToken);
            first = await _reader.ReadAsync(cancellationToken);
            if (first.Type == MessageType.None)
            {
                throw new ProtocolException(ErrorCode.TruncatedStream, $"{Remote} closed the connection during the opening");
            }

            MessageRules.CheckFirst(first.Type, allowError: true);
            if (first.Type == MessageType.Hello)
            {
                AcceptPeerHello(first.ReadHello());
                return;
            }
        }
        catch (ProtocolException e) when (e.Code != ErrorCode.BadMagic)
        {
            await SendErrorAsync(e.Code, e.Message);
            throw;
        }

        ErrorMessage refusal = first.ReadError();
        throw new ProtocolException(refusal.Code, $"{Remote} refused the connection: {refusal.Reason} (error {(uint)refusal.Code} {refusal.Code})")
        {
            SentByPeer = true,
        };
    }

    private async Task OpenAsAcceptorAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _reader.ReadPreambleAsync(cancellationToken);
            Message first = await _reader.ReadAsync(cancellationToken);
            if (first.IsConnectionClosed)
            {
                throw new ProtocolException(ErrorCode.TruncatedStream, $"{Remote} closed the connection during the opening");
            }

            MessageRules.CheckFirst(first.Type, allowError: false);

            AcceptPeerHello(first.ReadHello());
        }
        catch (ProtocolException e) when (e.Code == ErrorCode.BadMagic)
        {
            await RefuseNonRawFramesPeerAsync(e, cancellationToken);
            throw;
        }
        catch (ProtocolException e) when (e.Code != ErrorCode.TruncatedStream)
        {
            // PROTOCOL.md §2.2: refuse with our preamble and an ERROR the peer can read whatever version it speaks.
            using var cts = new CancellationTokenSource(s_closeGrace);
            Interlocked.Exchange(ref _errorSent, 1);
            try
            {
                await _writer.WriteRefusalAsync(new ErrorMessage(e.Code, e.Message), cts.Token);
            }
            catch (Exception writeError) when (writeError is OperationCanceledException or IOException or SocketException)
            {
                // The peer is gone; the exception below still reports why.
            }

            throw;
        }

        await _writer.WriteOpeningAsync(LocalHello, cancellationToken);
    }

    private void AcceptPeerHello(Hello peer)
    {
        if (peer.Role == LocalHello.Role)
        {
            throw new ProtocolException(ErrorCode.UnexpectedMessage, $"both sides are {peer.Role}s; one must be the producer and one the consumer");
        }

        if (_requiredToken is { } required && !TokenMatches(required.Span, peer.Token))
        {
            throw new ProtocolException(ErrorCode.Unauthorized, peer.Token is null
                ? "this receiver requires a token (HELLO option 2) and none was sent"
                : "wrong token");
        }

        PeerHello = peer;
        _writer.PeerMaxMessageLength = peer.MaxMessageLength;
        if (Negotiated.HasFlag(Capabilities.SharedMemory))
        {
            if (LocalHello.Role == PeerRole.Producer)
            {
                _sharedOut = new SharedMemoryProducer(_writer, _options.SharedMemorySlots, _options.SharedMemorySlotSize, peer.MaxMessageLength);
            }
            else
            {
                _sharedIn = new SharedMemoryConsumer();
            }
        }
    }

    // Constant time whatever the lengths: both sides are hashed first, so neither the content nor the length of the
    // expected token leaks through how long a wrong guess takes.
    private static bool TokenMatches(ReadOnlySpan<byte> expected, ReadOnlyMemory<byte>? presented)
    {
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(expected, a);
        System.Security.Cryptography.SHA256.HashData(presented is { } p ? p.Span : [], b);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(a, b) & presented is not null;
    }

    // A browser or curl pointed at the port gets a readable HTTP answer instead of silence.
    private async Task RefuseNonRawFramesPeerAsync(ProtocolException e, CancellationToken cancellationToken)
    {
        if (!e.PeerSpokeHttp)
        {
            return;
        }

        const string Text = "This port speaks the RawFrames binary protocol (see PROTOCOL.md), not HTTP. Use rawframes-send or a RawFrames client.\n";
        string response = $"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(Text)}\r\nConnection: close\r\n\r\n{Text}";
        try
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(response), cancellationToken);
        }
        catch (Exception sendError) when (sendError is OperationCanceledException or SocketException)
        {
            // Best effort only.
        }
    }
}
