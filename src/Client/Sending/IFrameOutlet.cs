using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// Where a sending program's frames go: a <see cref="FrameSender"/> (a connection to a consumer) or a NATS publisher
/// (PROTOCOL.md §19). The send loop needs no more than this.
/// </summary>
internal interface IFrameOutlet
{
    /// <summary>True once the consumer asked for no more frames (END) or the stream failed.</summary>
    bool Stopped { get; }

    /// <summary>Cancelled when <see cref="Stopped"/> becomes true.</summary>
    CancellationToken StoppedToken { get; }

    /// <summary>Sends one frame with its header as given; false when it was not sent (stopped, or dropped under the latest policy).</summary>
    ValueTask<bool> SendFrameAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>Ends the stream with an error the consumer is told, where the transport can tell it.</summary>
    Task AbortAsync(ErrorCode code, string reason);
}
