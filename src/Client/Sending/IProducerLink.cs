using RawFrames.Client.Statistics;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Sending;

/// <summary>
/// Where a <see cref="FrameSender"/>'s frames go: a RawFrames connection kept up across losses
/// (<see cref="ReconnectingProducer"/>), or NATS subjects (<see cref="Nats.NatsFramePublisher"/>, PROTOCOL.md §19).
/// The sender numbers, stamps and encodes frames; a link only carries them.
/// </summary>
internal interface IProducerLink : IAsyncDisposable
{
    /// <summary>The far side's address, for logs.</summary>
    string Remote { get; }

    /// <summary>"tcp", "tcp+tls", "unix socket", "shared memory" or "nats".</summary>
    string Transport { get; }

    /// <summary>How the stream was stopped for good (the far side's END or refusal, a protocol fault, this side's abort); null while it goes on.</summary>
    SenderEnd? Stop { get; }

    /// <summary>Cancelled when <see cref="Stop"/> is set.</summary>
    CancellationToken Stopped { get; }

    /// <summary>This side has ended the stream (END sent).</summary>
    bool EndSent { get; }

    /// <summary>The far side answers frames with RESULTs.</summary>
    bool CanReply { get; }

    /// <summary>ACK round trips and counts; null when not asked for.</summary>
    AckTracker? Acks { get; }

    /// <summary>Times the link was made again after it was lost.</summary>
    int Reconnects { get; }

    /// <summary>Loss noticed to link made again, each time.</summary>
    LatencyHistogram ReconnectTimes { get; }

    /// <summary>With ACKs: per lost connection, the frames it may have taken with it.</summary>
    IReadOnlyList<UnacknowledgedFrames> Unacknowledged { get; }

    /// <summary>Sends one frame as its header says. True when sent; false when dropped (the latest policy while reconnecting).</summary>
    /// <exception cref="FrameTooLargeException">Over the far side's limit; nothing sent, the link goes on.</exception>
    /// <exception cref="IOException">The link is lost for good.</exception>
    ValueTask<bool> SendAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, TaskCompletionSource<FrameResult>? reply,
        CancellationToken cancellationToken);

    /// <summary>Shared memory for one raw frame of <paramref name="payloadLength"/> bytes; null where the link has none.</summary>
    ValueTask<FrameLoan?> LoanAsync(int payloadLength, CancellationToken cancellationToken);

    /// <summary>Ends the stream (END) and waits, within <paramref name="wait"/>, for the far side to confirm it has every frame.</summary>
    Task<bool> EndAsync(TimeSpan wait);

    /// <summary>Ends the stream with ERROR <paramref name="code"/>, where the link can tell the far side why.</summary>
    Task FailAsync(ErrorCode code, string reason);
}
