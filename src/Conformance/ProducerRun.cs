using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace RawFrames.Conformance;

/// <summary>
/// --producer-listen ENDPOINT: the kit accepts the implementation under test as a consumer would. The first case
/// reads its stream of the Appendix A pattern to its END and answers END; each producer vector then goes to a
/// connection of its own, and the producer's reaction is judged (PROTOCOL.md §12). With --producer-command the kit
/// starts the producer for each case ({endpoint} in the command is where to connect); without it, the vector cases
/// wait for the producer to connect again (a producer that gives up after a refusal needs the command).
/// </summary>
internal sealed class ProducerRun(Socket listener, string endpoint, string? command, TimeSpan timeout)
{
    private const uint BadMagic = 1;
    private const uint TruncatedStream = 11;

    // A consumer's opening: preamble, HELLO (role 2, maximum 64 MiB, no capabilities, no idle timeout).
    private static readonly byte[] s_consumerOpening = WireMessages.Opening(role: 2);

    public async Task<CaseResult> PatternAsync(CancellationToken cancellationToken)
    {
        const string Name = "producer-pattern";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout * 4);
        try
        {
            (Socket socket, Process? producer) = await NextConnectionAsync(deadline.Token);
            using (socket)
            using (Stopping(producer))
            {
                using var inbox = new Inbox(socket);
                if (await OpeningAsync(inbox, deadline.Token) is { } fault)
                {
                    return CaseResult.Fail(Name, fault);
                }

                await socket.SendAsync(s_consumerOpening, SocketFlags.None, deadline.Token);
                int frames = 0, verified = 0;
                while (await inbox.NextAsync(deadline.Token) is { } message)
                {
                    switch (message.Type)
                    {
                        case 0x02:
                            (string? bad, bool raw) = CheckFrame(message.Body);
                            if (bad is not null)
                            {
                                return CaseResult.Fail(Name, $"frame {frames} is not valid: {bad}");
                            }

                            frames++;
                            verified += raw ? 1 : 0;
                            break;
                        case WireMessages.End:
                            await socket.SendAsync(WireMessages.Message(WireMessages.End, []), SocketFlags.None, deadline.Token);
                            return frames == 0
                                ? CaseResult.Fail(Name, "the producer ended without sending a frame")
                                : CaseResult.Pass(Name, $"{frames} frames, {verified} raw BGR24 ones verified against Appendix A, then END answered with END");
                        case WireMessages.Error:
                            return CaseResult.Fail(Name, $"the producer sent {message} to a conformant consumer");
                        case WireMessages.Ping:
                            await socket.SendAsync(WireMessages.Message(WireMessages.Pong, message.Body), SocketFlags.None, deadline.Token);
                            break;
                    }
                }

                return CaseResult.Fail(Name, $"the producer closed after {frames} frames without END");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CaseResult.Fail(Name, $"no stream ending with END within {(timeout * 4).TotalSeconds:0.#} s: send a finite stream (e.g. --frames 30)");
        }
    }

    public async Task<CaseResult> VectorAsync(ProducerVector vector, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            (Socket socket, Process? producer) = await NextConnectionAsync(deadline.Token);
            using (socket)
            using (Stopping(producer))
            {
                using var inbox = new Inbox(socket);
                byte[]? preamble = await inbox.PreambleAsync(deadline.Token);
                WireMessages.WireMessage? hello = preamble is null ? null : await inbox.NextAsync(deadline.Token);
                if (hello is not { Type: WireMessages.Hello } h || WireMessages.ReadHello(h.Body) is not { Role: 1 } announced)
                {
                    return CaseResult.Fail(vector.Name, "the producer must open with the preamble and a HELLO of role 1");
                }

                if (Mismatch(vector, announced) is { } reason)
                {
                    return CaseResult.Skip(vector.Name, reason);
                }

                await socket.SendAsync(vector.Bytes, SocketFlags.None, deadline.Token);
                socket.Shutdown(SocketShutdown.Send);
                var replies = new List<WireMessages.WireMessage>();
                while (await inbox.NextAsync(deadline.Token) is { } message)
                {
                    replies.Add(message);
                }

                return Judge(vector, replies);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CaseResult.Fail(vector.Name, $"the producer did not connect, or did not close the connection, within {timeout.TotalSeconds:0.#} s");
        }
    }

    private static CaseResult Judge(ProducerVector vector, List<WireMessages.WireMessage> replies)
    {
        WireMessages.WireMessage[] errors = [.. replies.Where(reply => reply.Type == WireMessages.Error)];
        switch (vector.Outcome)
        {
            case "accept":
                ulong[] pongs = [.. replies.Where(reply => reply.Type == WireMessages.Pong).Select(reply => reply.Token)];
                return errors.Length > 0 ? CaseResult.Fail(vector.Name, $"valid answers, but the producer sent {errors[0]}")
                    : !pongs.SequenceEqual(vector.Pings()) ? CaseResult.Fail(vector.Name, "each PING is answered with a PONG carrying its token")
                    : CaseResult.Pass(vector.Name, "took the consumer's messages without an error");
            case "refused":
                return errors.Length == 0 ? CaseResult.Pass(vector.Name, "reported the refusal without answering it")
                    : CaseResult.Fail(vector.Name, $"an ERROR is never answered, but the producer sent {errors[0]}");
            default:
                if (vector.ErrorCode is BadMagic or TruncatedStream)
                {
                    return errors.Length == 0 ? CaseResult.Pass(vector.Name, "closed without an ERROR, as it must")
                        : CaseResult.Fail(vector.Name, $"no ERROR is sent for error {vector.ErrorCode}, but the producer sent {errors[0]}");
                }

                return errors.Length == 1 && errors[0].Code == vector.ErrorCode
                    ? CaseResult.Pass(vector.Name, $"answered {errors[0]}")
                    : CaseResult.Fail(vector.Name, $"expected ERROR {vector.ErrorCode}, got {(errors.Length == 0 ? "none" : string.Join(", ", errors))}");
        }
    }

    private static string? Mismatch(ProducerVector vector, (byte Role, uint MaxMessageLength, uint Capabilities) producer)
    {
        uint consumer = vector.ConsumerCapabilities ?? 0;
        if ((vector.ProducerCapabilities & consumer) != (producer.Capabilities & consumer))
        {
            return $"written for a producer that negotiates capabilities 0x{vector.ProducerCapabilities & consumer:X} with this consumer; this one negotiates 0x{producer.Capabilities & consumer:X}";
        }

        return vector.Outcome == "reject" && vector.ErrorCode == 3 && vector.ProducerMaxMessageLength != producer.MaxMessageLength
            ? $"written for a producer whose maximum message length is {vector.ProducerMaxMessageLength}; this one announced {producer.MaxMessageLength}"
            : null;
    }

    private static async Task<string?> OpeningAsync(Inbox inbox, CancellationToken cancellationToken)
    {
        byte[]? preamble = await inbox.PreambleAsync(cancellationToken);
        if (preamble is null || !preamble.AsSpan().SequenceEqual(WireMessages.Preamble))
        {
            return $"the producer must open with the preamble RFRM 01 00 00 00; it sent {(preamble is null ? "less" : Convert.ToHexString(preamble))}";
        }

        WireMessages.WireMessage? hello = await inbox.NextAsync(cancellationToken);
        return hello is { Type: WireMessages.Hello } h && WireMessages.ReadHello(h.Body).Role == 1 ? null : "the producer's first message must be its HELLO, role 1";
    }

    // §6.1 as far as the kit needs it, and a raw BGR24 frame against Appendix A: (what is wrong, whether it was verified).
    private static (string? Fault, bool Verified) CheckFrame(byte[] body)
    {
        if (body.Length < 40)
        {
            return ("a FRAME body is at least 40 bytes", false);
        }

        byte codec = body[0], format = body[1];
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(2));
        uint width = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(8)), height = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(12));
        uint stride = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(16)), metadata = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(20));
        ulong sequence = BinaryPrimitives.ReadUInt64LittleEndian(body.AsSpan(24));
        long start = 40 + metadata + ((8 - (metadata % 8)) % 8);
        if (codec > 4 || format is 0 or > 7 || (flags & ~1) != 0)
        {
            return ($"codec {codec}, pixel format {format} or flags 0x{flags:X} outside what a consumer without MODEL_INPUTS reads", false);
        }

        if (width is 0 or > 65535 || height is 0 or > 65535 || start > body.Length)
        {
            return ("its geometry or metadata length is out of range", false);
        }

        if (codec != 0 || format != 1)
        {
            return (null, false);
        }

        if (stride < width * 3 || body.Length - start != (long)stride * height)
        {
            return ($"a raw BGR24 {width}x{height} frame with stride {stride} carries {body.Length - start} payload bytes", false);
        }

        return SyntheticPattern.Matches(body.AsSpan((int)start), sequence)
            ? (null, true)
            : ($"raw frame {sequence} is not Appendix A's pattern for its sequence number", false);
    }

    private async Task<(Socket Socket, Process? Producer)> NextConnectionAsync(CancellationToken cancellationToken)
    {
        Process? producer = command is null ? null : Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command.Replace("{endpoint}", endpoint, StringComparison.Ordinal)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        try
        {
            return (await listener.AcceptAsync(cancellationToken), producer);
        }
        catch
        {
            Stop(producer);
            throw;
        }
    }

    // Ends the producer started for a case when the case is over (one that reconnects would run on).
    private static ProducerStop Stopping(Process? producer) => new(producer);

    private readonly struct ProducerStop(Process? producer) : IDisposable
    {
        public void Dispose() => Stop(producer);
    }

    private static void Stop(Process? producer)
    {
        if (producer is { HasExited: false })
        {
            producer.Kill(entireProcessTree: true);
        }

        producer?.Dispose();
    }
}
