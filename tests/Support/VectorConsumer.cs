using System.Buffers;
using System.IO.Pipelines;
using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;

namespace RawFrames.Tests.Support;

/// <summary>What a consumer made of a producer's byte stream: the rules of PROTOCOL.md applied in order.</summary>
internal sealed record ConsumerOutcome(
    Preamble? Preamble,
    Hello? Hello,
    IReadOnlyList<string> Messages,
    IReadOnlyList<ReceivedFrame> Frames,
    string? End,
    ErrorCode? Error,
    string? ErrorMessage,
    bool Refused = false);

internal sealed record ReceivedFrame(FrameHeader Header, byte[] Metadata, byte[] Payload);

/// <summary>Runs a consumer over bytes, either with the pure parser on a sequence or through a Pipe and MessageInput.</summary>
internal static class VectorConsumer
{
    /// <param name="capabilities">What the consumer announced in its HELLO (the vector's consumer_capabilities).</param>
    public static ConsumerOutcome Parse(ReadOnlySequence<byte> input, int maxMessageLength, Capabilities capabilities)
    {
        var state = new State(capabilities);
        try
        {
            if (!MessageParser.TryReadPreamble(input, out Preamble preamble, out SequencePosition position))
            {
                return state.Finish(input.Length == 0 ? null : "truncated preamble", null, null);
            }

            state.Preamble = preamble;
            input = input.Slice(position);
            while (true)
            {
                if (!MessageParser.TryReadMessage(input, maxMessageLength, out Message message, out position, state.ModelInputs))
                {
                    return input.IsEmpty && state.Opened
                        ? state.Finish(null, null, null)
                        : state.Finish(null, ErrorCode.TruncatedStream, input.IsEmpty ? "connection ended before HELLO" : "connection ended inside a message");
                }

                state.Accept(message);
                input = input.Slice(position);
                if (message.Type == MessageType.End)
                {
                    return state.Finish(null, null, null);
                }
            }
        }
        catch (ProtocolException e)
        {
            return state.Finish(null, e.Code, e.Message, e.SentByPeer);
        }
    }

    /// <summary>The same through the production reader (MessageInput), with the bytes written in chunks of <paramref name="chunk"/>.</summary>
    public static async Task<ConsumerOutcome> ReadThroughPipeAsync(byte[] data, int maxMessageLength, Capabilities capabilities, int chunk)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            await pipe.Writer.WriteAsync(data.AsMemory(offset, Math.Min(chunk, data.Length - offset)));
        }

        await pipe.Writer.CompleteAsync();
        if (data.Length == 0)
        {
            return new State(capabilities).Finish(null, null, null); // a probe: the real acceptor sees the close before any byte
        }

        var reader = new MessageInput(new StreamSource(pipe.Reader.AsStream()), Math.Max(maxMessageLength, ProtocolConstants.MinMaxMessageLength));
        var state = new State(capabilities);
        try
        {
            state.Preamble = await reader.ReadPreambleAsync();
            while (true)
            {
                Message message = await reader.ReadAsync();
                if (message.IsConnectionClosed)
                {
                    return state.Opened
                        ? state.Finish(null, null, null)
                        : state.Finish(null, ErrorCode.TruncatedStream, "connection ended before HELLO");
                }

                state.Accept(message);
                reader.ModelInputs = state.ModelInputs;
                if (message.Type == MessageType.End)
                {
                    return state.Finish(null, null, null);
                }
            }
        }
        catch (ProtocolException e)
        {
            return state.Finish(null, e.Code, e.Message, e.SentByPeer);
        }
    }

    private sealed class State(Capabilities capabilities)
    {
        private readonly List<string> _messages = [];
        private readonly List<ReceivedFrame> _frames = [];
        private bool _ringSeen;

        public Preamble? Preamble { get; set; }

        private Hello? Hello { get; set; }

        /// <summary>What both HELLOs set: nothing before the producer's HELLO.</summary>
        private Capabilities Negotiated => Hello is null ? Capabilities.None : Hello.Capabilities & capabilities;

        public bool ModelInputs => Negotiated.HasFlag(Capabilities.ModelInputs);

        /// <summary>The producer's HELLO has been read: from here a close between messages is not a truncation.</summary>
        public bool Opened => Hello is not null;

        public void Accept(in Message message)
        {
            // PROTOCOL.md §4.1 as a consumer applies it to a producer.
            if (_messages.Count == 0)
            {
                // PROTOCOL.md §9: an ERROR may be the first message; the consumer reports it and answers nothing.
                MessageRules.CheckFirst(message.Type);
                if (message.Type == MessageType.Error)
                {
                    ErrorMessage refusal = message.ReadError();
                    throw new ProtocolException(refusal.Code, refusal.Reason) { SentByPeer = true };
                }

                Hello = message.ReadHello();
                if (Hello.Role != PeerRole.Producer)
                {
                    throw new ProtocolException(ErrorCode.UnexpectedMessage, "the vector's peer must be a producer");
                }
            }
            else
            {
                MessageRules.CheckAfterOpening(message.Type, PeerRole.Producer, Negotiated);
                if (message.Type == MessageType.Ring)
                {
                    message.ReadRing(); // checked, never mapped: no vector carries a ring to map
                    _ringSeen = true;
                }
                else if (message.Type == MessageType.SharedFrame && !_ringSeen)
                {
                    throw new ProtocolException(ErrorCode.UnexpectedMessage, "SHARED_FRAME before RING");
                }
            }

            _messages.Add(Name(message.Type));
            if (message.Type == MessageType.Frame)
            {
                _frames.Add(new ReceivedFrame(message.Frame, message.Metadata.ToArray(), message.Payload.ToArray()));
            }
        }

        public ConsumerOutcome Finish(string? truncatedPreamble, ErrorCode? error, string? errorMessage, bool refused = false)
        {
            if (truncatedPreamble is not null)
            {
                (error, errorMessage) = (ErrorCode.TruncatedStream, truncatedPreamble);
            }

            string? end = error is not null ? null : _messages.LastOrDefault() == "END" ? "end_message" : "closed";
            return new ConsumerOutcome(Preamble, Hello, _messages, _frames, end, error, errorMessage, refused);
        }

        private static string Name(MessageType type) => type == MessageType.SharedFrame ? "SHARED_FRAME" : type.ToString().ToUpperInvariant();
    }
}
