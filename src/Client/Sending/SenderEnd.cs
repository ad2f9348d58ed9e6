namespace RawFrames.Client;

/// <summary>How a sender's stream ended (<see cref="FrameSender.End"/>): the sending side's counterpart of <see cref="ConnectionEnd"/>.</summary>
/// <param name="Code">The error the receiver sent, or was sent for its protocol fault, or this side sent when it aborted; null otherwise.</param>
public sealed record SenderEnd(SenderEndKind Kind, string Reason, ErrorCode? Code = null)
{
    /// <summary>The stream ended as both sides meant: the receiver read every frame (<see cref="SenderEndKind.Ended"/>) or asked for no more (<see cref="SenderEndKind.ReceiverEnded"/>).</summary>
    public bool IsClean => Kind is SenderEndKind.Ended or SenderEndKind.ReceiverEnded;
}

/// <summary>The ways a sender's stream ends.</summary>
public enum SenderEndKind
{
    /// <summary>This side sent END and the receiver answered END: it read every frame sent (PROTOCOL.md §4.2).</summary>
    Ended,

    /// <summary>The receiver asked for no more frames with END of its own.</summary>
    ReceiverEnded,

    /// <summary>The receiver refused to go on with ERROR (<see cref="SenderEnd.Code"/> says why).</summary>
    ReceiverError,

    /// <summary>The receiver broke the protocol; it was told with ERROR (<see cref="SenderEnd.Code"/>).</summary>
    ProtocolError,

    /// <summary>This side ended the stream with ERROR (<see cref="SenderEnd.Code"/>).</summary>
    Aborted,

    /// <summary>The connection was lost (cut, reset, silent past the idle timeout) and not made again.</summary>
    Lost,
}
