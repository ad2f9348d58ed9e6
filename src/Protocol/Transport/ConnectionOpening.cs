using System.Security.Cryptography;
using System.Text;
using RawFrames.Client;
using RawFrames.Protocol.Transport.Sockets;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>PROTOCOL.md §2 and §5: the opening of a connection, as the side that connected or the side that accepted.</summary>
internal static class ConnectionOpening
{
    /// <summary>
    /// §2.1: our preamble and HELLO, then the acceptor's. Returns its HELLO. A fault in the acceptor's bytes throws
    /// <see cref="ProtocolException"/> (the caller answers it with ERROR); the acceptor's refusal throws one with
    /// <see cref="ProtocolException.SentByPeer"/>.
    /// </summary>
    public static async Task<Hello> AsConnectorAsync(MessageInput input, MessageWriter writer, Hello local, string remote, CancellationToken cancellationToken)
    {
        await writer.WriteOpeningAsync(local, cancellationToken).ConfigureAwait(false);
        await input.ReadPreambleAsync(cancellationToken).ConfigureAwait(false);
        Message first = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (first.Type == MessageType.None)
        {
            throw new ProtocolException(ErrorCode.TruncatedStream, $"{remote} closed the connection during the opening");
        }

        MessageRules.CheckFirst(first.Type);
        if (first.Type == MessageType.Hello)
        {
            return CheckPeer(first.ReadHello(), local, requiredToken: null);
        }

        throw PeersError(first.ReadError(), $"{remote} refused the connection");
    }

    private static ProtocolException PeersError(ErrorMessage error, string what) =>
        new(error.Code, $"{what}: {error.Reason} (error {(uint)error.Code} {error.Code})") { SentByPeer = true };

    /// <summary>
    /// §2.2: the connector's preamble and HELLO, checked (the token too), then ours. A connector that fails is told why
    /// where it can understand it (preamble + ERROR; a plain-text HTTP 400 to a browser) before this throws.
    /// </summary>
    public static async Task<Hello> AsAcceptorAsync(MessageInput input, MessageWriter writer, Stream output, Hello local,
        ReadOnlyMemory<byte>? requiredToken, string remote, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Hello peer;
        try
        {
            peer = await ReadConnectorAsync(input, local, requiredToken, remote, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ProtocolException e) when (e.Code == ErrorCode.BadMagic)
        {
            if (e.PeerSpokeHttp)
            {
                await AnswerHttpAsync(output).ConfigureAwait(false);
            }

            throw;
        }
        catch (ProtocolException e) when (e.Code != ErrorCode.TruncatedStream && !e.SentByPeer)
        {
            // §2.2: our preamble, then ERROR: readable whatever version the peer speaks.
            await SocketTransport.RefuseAsync(output, e.Code, e.Message).ConfigureAwait(false);
            throw;
        }

        await writer.WriteOpeningAsync(local, cancellationToken).ConfigureAwait(false);
        return peer;
    }

    // §2.2 steps 1-2 within the opening timeout: a connector too slow for it is told so (§9: preamble + ERROR Timeout).
    private static async Task<Hello> ReadConnectorAsync(MessageInput input, Hello local, ReadOnlyMemory<byte>? requiredToken, string remote,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Message first;
        try
        {
            await input.ReadPreambleAsync(deadline.Token).ConfigureAwait(false);
            first = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProtocolException(ErrorCode.Timeout, $"{remote} did not complete the opening within {timeout.TotalSeconds:0.#} s");
        }

        if (first.IsConnectionClosed)
        {
            throw new ProtocolException(ErrorCode.TruncatedStream, $"{remote} closed the connection during the opening");
        }

        // §9: a connector may open with ERROR instead of HELLO; it is reported and never answered.
        MessageRules.CheckFirst(first.Type);
        if (first.Type == MessageType.Error)
        {
            throw PeersError(first.ReadError(), $"{remote} sent ERROR instead of HELLO");
        }

        return CheckPeer(first.ReadHello(), local, requiredToken);
    }

    // §5: two sides of one role cannot talk; a consumer that requires a token checks it last.
    private static Hello CheckPeer(Hello peer, Hello local, ReadOnlyMemory<byte>? requiredToken)
    {
        if (peer.Role == local.Role)
        {
            throw new ProtocolException(ErrorCode.UnexpectedMessage, $"both sides are {peer.Role}s; one must be the producer and one the consumer");
        }

        if (requiredToken is { } required && !TokenMatches(required.Span, peer.Token))
        {
            throw new ProtocolException(ErrorCode.Unauthorized, peer.Token is null
                ? "this receiver requires a token (HELLO option 2) and none was sent"
                : "wrong token");
        }

        return peer;
    }

    // Constant time whatever the lengths: both sides are hashed first, so neither the content nor the length of the
    // expected token leaks through how long a wrong guess takes.
    private static bool TokenMatches(ReadOnlySpan<byte> expected, ReadOnlyMemory<byte>? presented)
    {
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        SHA256.HashData(expected, a);
        SHA256.HashData(presented is { } p ? p.Span : [], b);
        return CryptographicOperations.FixedTimeEquals(a, b) & presented is not null;
    }

    // A browser or curl pointed at the port gets a readable HTTP answer instead of silence.
    private static async Task AnswerHttpAsync(Stream output)
    {
        const string Text = "This port speaks the RawFrames binary protocol (see PROTOCOL.md), not HTTP. Use rawframes-send or a RawFrames client.\n";
        string response = $"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(Text)}\r\nConnection: close\r\n\r\n{Text}";
        using var grace = new CancellationTokenSource(SocketTransport.RefusalGrace);
        try
        {
            await output.WriteAsync(Encoding.UTF8.GetBytes(response), grace.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
        {
            // Best effort only.
        }
    }
}
