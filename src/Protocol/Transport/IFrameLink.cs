using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>
/// A producer seen from the consumer's side: the messages it sends, and the way back to it. A
/// <see cref="FrameConnection"/> is one; so is a publisher on NATS (PROTOCOL.md §19), which has no way back, so its
/// replies go nowhere. The session layer's consumer loop reads frames through this and nothing else.
/// </summary>
internal interface IFrameLink : IAsyncDisposable
{
    /// <summary>The producer's address, for logs.</summary>
    string Remote { get; }

    /// <summary>What the producer named itself, e.g. <c>rawframes-send/1</c>; null when it did not.</summary>
    string? PeerSoftware { get; }

    /// <summary>"tcp", "tcp+tls", "unix socket", "shared memory" or "nats".</summary>
    string TransportName { get; }

    /// <summary>The producer reads the same wall clock: latency from frame timestamps is meaningful.</summary>
    bool SharesClock { get; }

    /// <summary>The peer replays frames captured earlier (HELLO option 4, PROTOCOL.md §18).</summary>
    bool PeerReplays { get; }

    /// <summary>What both sides agreed to (RESULT, ACK, shared memory).</summary>
    Capabilities Negotiated { get; }

    /// <summary>This side has sent END.</summary>
    bool EndSent { get; }

    /// <summary>The message being read when the link was cut, in words; null when it was cut between messages.</summary>
    string? PartialMessage { get; }

    /// <summary>The next message: FRAME, END, ERROR, or <see cref="MessageType.None"/> when the producer closed. Valid until the next read.</summary>
    ValueTask<Message> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks the producer to stop, or answers its END (PROTOCOL.md §4.2).</summary>
    Task SendEndAsync();

    /// <summary>Ends the stream with ERROR <paramref name="code"/> (PROTOCOL.md §9).</summary>
    Task SendErrorAsync(ErrorCode code, string reason);

    /// <summary>A RESULT for one of the producer's frames (PROTOCOL.md §10.2).</summary>
    ValueTask SendResultAsync(ResultHeader header, ReadOnlyMemory<byte> result, CancellationToken cancellationToken = default);

    /// <summary>Cuts the link at once.</summary>
    void Abort();
}
