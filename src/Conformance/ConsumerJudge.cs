namespace RawFrames.Conformance;

/// <summary>
/// PROTOCOL.md §12: what a conformant consumer answers to a vector's bytes. Its preamble and HELLO (role 2), a PONG
/// for each PING, END for END, and for a rejection ERROR with the vector's code (after its preamble when the opening
/// had not finished); nothing at all for TruncatedStream in the opening, a refusal or a probe; nothing or an HTTP 400
/// for BadMagic. A vector written for a consumer with other settings (its maximum, what it offers) is skipped.
/// </summary>
internal static class ConsumerJudge
{
    private const uint BadMagic = 1;
    private const uint MessageTooLarge = 3;
    private const uint TruncatedStream = 11;

    /// <param name="consumer">What the consumer announces in its HELLO (<see cref="ConsumerRun.LearnSettingsAsync"/>).</param>
    public static CaseResult Judge(ConsumerVector vector, (uint MaxMessageLength, uint Capabilities) consumer, byte[] answer, bool timedOut)
    {
        string name = vector.Name;
        if (Mismatch(vector, consumer) is { } reason)
        {
            return CaseResult.Skip(name, reason);
        }

        if (timedOut)
        {
            return CaseResult.Fail(name, $"the consumer neither answered in full nor closed the connection within the time allowed; it sent {answer.Length} bytes");
        }

        if (vector.Outcome is "probe" or "refused" || (vector.Outcome == "reject" && vector.ErrorCode == TruncatedStream && vector.ProducerCapabilities is null))
        {
            return answer.Length == 0
                ? CaseResult.Pass(name, "answered nothing, as it must")
                : CaseResult.Fail(name, $"must answer nothing ({Why(vector)}), but sent {answer.Length} bytes: {Describe(answer)}");
        }

        if (vector.Outcome == "reject" && vector.ErrorCode == BadMagic)
        {
            bool http = vector.Bytes.AsSpan().StartsWith("GET "u8) || vector.Bytes.AsSpan().StartsWith("POST"u8);
            return answer.Length == 0 || (http && answer.AsSpan().StartsWith("HTTP/1.1 400"u8))
                ? CaseResult.Pass(name, answer.Length == 0 ? "closed without a byte" : "answered HTTP 400")
                : CaseResult.Fail(name, $"a peer that does not speak the protocol gets nothing (or HTTP 400 to an HTTP request); the consumer sent {Describe(answer)}");
        }

        if (!answer.AsSpan().StartsWith(WireMessages.Preamble))
        {
            return CaseResult.Fail(name, $"the answer must start with the preamble RFRM 01 00 00 00; it is {Describe(answer)}");
        }

        List<WireMessages.WireMessage> replies = WireMessages.Read(answer);
        WireMessages.WireMessage? hello = replies.Count > 0 && replies[0].Type == WireMessages.Hello ? replies[0] : null;
        return vector.Outcome == "accept" ? JudgeAccept(vector, replies, hello) : JudgeReject(vector, replies, hello);
    }

    private static CaseResult JudgeAccept(ConsumerVector vector, List<WireMessages.WireMessage> replies, WireMessages.WireMessage? hello)
    {
        string name = vector.Name;
        if (hello is null)
        {
            return CaseResult.Fail(name, $"the stream is valid: the consumer must answer with its HELLO; it answered {List(replies)}");
        }

        if (replies.FirstOrDefault(reply => reply.Type == WireMessages.Error) is { Type: WireMessages.Error } error)
        {
            return CaseResult.Fail(name, $"the stream is valid, but the consumer sent {error}");
        }

        ulong[] pongs = [.. replies.Where(reply => reply.Type == WireMessages.Pong).Select(reply => reply.Token)];
        ulong[] pings = [.. vector.Pings()];
        if (!pongs.SequenceEqual(pings))
        {
            return CaseResult.Fail(name, $"each PING is answered with a PONG carrying its token: expected [{string.Join(", ", pings)}], got [{string.Join(", ", pongs)}]");
        }

        bool ended = replies[^1].Type == WireMessages.End;
        if (vector.End == "end_message" && !ended)
        {
            return CaseResult.Fail(name, $"the producer's END is answered with END; the consumer answered {List(replies)}");
        }

        return CaseResult.Pass(name, $"answered {List(replies)}");
    }

    private static CaseResult JudgeReject(ConsumerVector vector, List<WireMessages.WireMessage> replies, WireMessages.WireMessage? hello)
    {
        string name = vector.Name;
        WireMessages.WireMessage[] errors = [.. replies.Where(reply => reply.Type == WireMessages.Error)];
        if (vector.ErrorCode == TruncatedStream)
        {
            return errors.Length == 0
                ? CaseResult.Pass(name, "a truncated stream gets no ERROR")
                : CaseResult.Fail(name, $"TruncatedStream is never sent (§9), but the consumer sent {errors[0]}");
        }

        if (errors.Length != 1 || replies[^1].Type != WireMessages.Error)
        {
            return CaseResult.Fail(name, $"expected one ERROR {vector.ErrorCode} as the last message, got {List(replies)}");
        }

        if (errors[0].Code != vector.ErrorCode)
        {
            return CaseResult.Fail(name, $"expected ERROR {vector.ErrorCode}, got {errors[0]}");
        }

        return CaseResult.Pass(name, $"answered {List(replies)}{(hello is null ? " (refused in the opening)" : "")}");
    }

    // A vector is for a consumer whose maximum and capabilities give the same outcome: otherwise it does not apply.
    private static string? Mismatch(ConsumerVector vector, (uint MaxMessageLength, uint Capabilities) hello)
    {
        // A length prefix between the two maximums is judged differently by the two consumers.
        long lower = Math.Min(vector.ConsumerMaxMessageLength, hello.MaxMessageLength);
        if (vector.ConsumerMaxMessageLength != hello.MaxMessageLength && (vector.LargestLengthPrefix() > lower || vector.ErrorCode == MessageTooLarge))
        {
            return $"written for a consumer whose maximum message length is {vector.ConsumerMaxMessageLength}; this one announced {hello.MaxMessageLength} (run it with that maximum to include this case)";
        }

        uint producer = vector.ProducerCapabilities ?? 0;
        uint wanted = vector.ConsumerCapabilities & producer, got = hello.Capabilities & producer;
        return wanted == got ? null
            : $"written for a consumer that negotiates capabilities 0x{wanted:X} with this producer; this one negotiates 0x{got:X} (shared memory is offered on Unix sockets only, model inputs by consumers that read them)";
    }

    private static string Why(ConsumerVector vector) => vector.Outcome switch
    {
        "probe" => "a connection with no byte never began the protocol",
        "refused" => "an ERROR is never answered",
        _ => "the stream ended inside the opening",
    };

    private static string List(List<WireMessages.WireMessage> replies) => replies.Count == 0 ? "nothing after the preamble" : string.Join(", ", replies);

    private static string Describe(byte[] answer) => answer.Length == 0 ? "nothing"
        : Convert.ToHexString(answer.AsSpan(0, Math.Min(answer.Length, 24))) + (answer.Length > 24 ? "..." : "");
}
