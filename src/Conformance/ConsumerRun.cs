using System.Net;
using System.Net.Sockets;

namespace RawFrames.Conformance;

/// <summary>
/// --consumer ENDPOINT: each vector on a connection of its own, as a producer would send it (whole, then the sending
/// side shut, so a stream that ends without END ends), then everything the consumer answers until it closes.
/// </summary>
internal sealed class ConsumerRun(EndPoint endpoint, TimeSpan timeout)
{
    /// <summary>
    /// The consumer's own HELLO, from an opening and END of the kit's: its maximum message length and capabilities,
    /// which decide which vectors apply (many cases never get as far as its HELLO).
    /// </summary>
    public async Task<(uint MaxMessageLength, uint Capabilities)> LearnSettingsAsync(CancellationToken cancellationToken)
    {
        byte[] opening = [.. WireMessages.Opening(role: 1), .. WireMessages.Message(WireMessages.End, [])];
        (byte[] answer, bool timedOut) = await ExchangeAsync(opening, cancellationToken);
        List<WireMessages.WireMessage> replies = answer.AsSpan().StartsWith(WireMessages.Preamble) ? WireMessages.Read(answer) : [];
        if (timedOut || replies.Count == 0 || replies[0].Type != WireMessages.Hello)
        {
            throw new IOException($"the consumer at {endpoint} did not answer a valid opening (preamble, a producer's HELLO, END) with its own HELLO: "
                + (replies.Count > 0 ? $"it answered {string.Join(", ", replies)}" : $"{answer.Length} bytes came"));
        }

        (byte role, uint max, uint capabilities) = WireMessages.ReadHello(replies[0].Body);
        return role == 2 ? (max, capabilities) : throw new IOException($"the implementation at {endpoint} answered with role {role}: it must listen as a consumer (role 2)");
    }

    /// <summary>
    /// PROTOCOL.md §4.3: a producer that announces an idle timeout of 900 ms and then says nothing must hear a PING
    /// from the consumer well before that (each side pings after a third of it), and END still ends the stream.
    /// </summary>
    public async Task<CaseResult> LivenessAsync(CancellationToken cancellationToken)
    {
        const string Name = "liveness-ping";
        const uint IdleMs = 900;
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, cancellationToken);
        byte[] opening = WireMessages.Opening(role: 1, idleTimeoutMs: IdleMs);
        await socket.SendAsync(opening, SocketFlags.None, cancellationToken);
        using var inbox = new Inbox(socket);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(IdleMs));
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (await inbox.PreambleAsync(deadline.Token) is null || await inbox.NextAsync(deadline.Token) is not { Type: WireMessages.Hello })
            {
                return CaseResult.Fail(Name, "the consumer did not answer the opening with its preamble and HELLO");
            }

            while (await inbox.NextAsync(deadline.Token) is { } message)
            {
                if (message.Type == WireMessages.Ping)
                {
                    long afterMs = quiet.ElapsedMilliseconds;
                    await socket.SendAsync(WireMessages.Message(WireMessages.Pong, message.Body), SocketFlags.None, cancellationToken);
                    await socket.SendAsync(WireMessages.Message(WireMessages.End, []), SocketFlags.None, cancellationToken);
                    using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    closing.CancelAfter(timeout);
                    while (await inbox.NextAsync(closing.Token) is { } after)
                    {
                        if (after.Type == WireMessages.End)
                        {
                            return CaseResult.Pass(Name, $"the consumer pinged a quiet producer after {afterMs} ms (its idle timeout: {IdleMs} ms), then answered END with END");
                        }
                    }

                    return CaseResult.Fail(Name, "the consumer pinged, but did not answer END with END");
                }

                if (message.Type == WireMessages.Error)
                {
                    return CaseResult.Fail(Name, $"the consumer sent {message} to a producer that was only quiet");
                }
            }

            return CaseResult.Fail(Name, "the consumer closed the connection of a quiet producer without a word");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CaseResult.Fail(Name, $"no PING within the producer's idle timeout of {IdleMs} ms: the producer would have closed the connection (§4.3: ping after a third of it)");
        }
    }

    /// <summary>
    /// PROTOCOL.md §15 end to end: a ring of two slots in /dev/shm, a 2x2 BGR24 frame in slot 1 as SHARED_FRAME, then
    /// END. A conformant consumer maps the file and unlinks its path, RELEASEs slot 1, and answers END with END.
    /// </summary>
    public async Task<CaseResult> SharedMemoryAsync((uint MaxMessageLength, uint Capabilities) consumer, CancellationToken cancellationToken)
    {
        const string Name = "shared-memory-frame";
        const uint SharedMemory = 1 << 2;
        if ((consumer.Capabilities & SharedMemory) == 0)
        {
            return CaseResult.Skip(Name, "the consumer offers no shared memory (bit 2): offered on Unix sockets only (§15.1)");
        }

        string path = $"/dev/shm/rawframes-conformance-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // §15.1: the producer's user only
            }

            using (var ring = new FileStream(path, options))
            {
                ring.SetLength(2 * 4096);
                ring.Position = 4096; // slot 1
                ring.Write([0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0]); // frame 0 of Appendix A, 2x2, stride 6
            }

            byte[] pathBytes = System.Text.Encoding.UTF8.GetBytes(path);
            var stream = new MemoryStream();
            stream.Write(WireMessages.Opening(role: 1, capabilities: SharedMemory));
            stream.Write(WireMessages.Message(0x07, [2, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, .. pathBytes]));
            byte[] frameHeader = new byte[40];
            frameHeader[1] = 1; // BGR24
            frameHeader[8] = 2; // width
            frameHeader[12] = 2; // height
            frameHeader[16] = 6; // stride
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(frameHeader.AsSpan(32), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
            stream.Write(WireMessages.Message(0x08, [.. frameHeader, 1, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0]));
            stream.Write(WireMessages.Message(WireMessages.End, []));
            (byte[] answer, bool timedOut) = await ExchangeAsync(stream.ToArray(), cancellationToken);
            List<WireMessages.WireMessage> replies = answer.AsSpan().StartsWith(WireMessages.Preamble) ? WireMessages.Read(answer) : [];
            string got = replies.Count == 0 ? $"{answer.Length} bytes" : string.Join(", ", replies);
            return timedOut ? CaseResult.Fail(Name, $"the consumer did not finish within the time allowed; it answered {got}")
                : replies is not [{ Type: WireMessages.Hello }, ..] ? CaseResult.Fail(Name, $"expected the consumer's HELLO first; got {got}")
                : replies.FirstOrDefault(r => r.Type == WireMessages.Error) is { Type: WireMessages.Error } error ? CaseResult.Fail(Name, $"the consumer refused a valid ring and frame: {error}")
                : !replies.Any(r => r.Type == 0x12 && r.Body.Length == 8 && r.Body[0] == 1) ? CaseResult.Fail(Name, $"slot 1 must be RELEASEd (§15.4); the consumer answered {got}")
                : replies[^1].Type != WireMessages.End ? CaseResult.Fail(Name, $"the producer's END is answered with END; the consumer answered {got}")
                : File.Exists(path) ? CaseResult.Fail(Name, "the consumer must unlink the ring's path once it has mapped the file (§15.2)")
                : CaseResult.Pass(Name, "mapped the ring and unlinked its path, RELEASEd slot 1, answered END with END");
        }
        finally
        {
            File.Delete(path);
        }
    }

    public async Task<CaseResult> RunAsync(ConsumerVector vector, (uint MaxMessageLength, uint Capabilities) consumer, CancellationToken cancellationToken)
    {
        (byte[] answer, bool timedOut) = await ExchangeAsync(vector.Bytes, cancellationToken);
        return ConsumerJudge.Judge(vector, consumer, answer, timedOut);
    }

    private async Task<(byte[] Answer, bool TimedOut)> ExchangeAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot connect to the consumer at {endpoint}: {e.Message} (is it listening, and does it serve one connection after another?)", e);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var answer = new MemoryStream();
        bool timedOut = false;
        try
        {
            Task<int> sending = SendAsync(socket, bytes, deadline.Token);
            byte[] buffer = new byte[64 * 1024];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token) is > 0 and int read)
            {
                answer.Write(buffer, 0, read);
            }

            await sending.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            timedOut = true;
        }
        catch (SocketException)
        {
            // A consumer that rejects may reset the connection once it has said why: what arrived is judged.
        }

        return (answer.ToArray(), timedOut);
    }

    // The vector whole, then the sending side shut: a consumer that stops reading after an error is not waited for.
    private static async Task<int> SendAsync(Socket socket, byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            int sent = bytes.Length == 0 ? 0 : await socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            socket.Shutdown(SocketShutdown.Send);
            return sent;
        }
        catch (SocketException)
        {
            return 0; // the consumer closed first (it rejected what it had read): its answer says why
        }
    }

    /// <summary>tcp://HOST:PORT or unix:///PATH, in the user's words when it is neither.</summary>
    public static EndPoint ParseEndpoint(string text)
    {
        if (text.StartsWith("unix://", StringComparison.Ordinal) && text.Length > 7 && text[7] == '/')
        {
            return new UnixDomainSocketEndPoint(text[7..]);
        }

        if (text.StartsWith("tcp://", StringComparison.Ordinal) && Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && uri.Port >= 0)
        {
            IPAddress address = IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? ip) ? ip
                : Dns.GetHostAddresses(uri.Host).FirstOrDefault() ?? throw new FormatException($"'{text}': the host {uri.Host} has no address");
            return new IPEndPoint(address, uri.Port);
        }

        throw new FormatException($"'{text}': expected tcp://HOST:PORT or unix:///PATH");
    }
}
