using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>PROTOCOL.md §4.1: which message may come when, and from which role.</summary>
internal static class MessageRules
{
    /// <summary>The first message after the preamble must be HELLO, or ERROR from a peer that refuses or gives up (§9), on either side.</summary>
    public static void CheckFirst(MessageType type)
    {
        if (type is not (MessageType.Hello or MessageType.Error))
        {
            ProtocolException.Throw(ErrorCode.UnexpectedMessage, $"expected HELLO as the first message, got {type}");
        }
    }

    /// <summary>
    /// After the opening: HELLO never again; FRAME, RING and SHARED_FRAME only from a producer; ACK, RESULT and RELEASE
    /// only from a consumer; ACK, RESULT and the shared-memory messages only when both HELLOs announced them (<paramref name="negotiated"/> is the AND of the two capability sets).
    /// </summary>
    public static void CheckAfterOpening(MessageType type, PeerRole senderRole, Capabilities negotiated)
    {
        string? problem = type switch
        {
            MessageType.Hello => "HELLO may only be sent once",
            MessageType.Frame when senderRole != PeerRole.Producer => $"a {senderRole} may not send FRAME",
            MessageType.Ack or MessageType.Result when senderRole != PeerRole.Consumer => $"a {senderRole} may not send {type}",
            MessageType.Ack when !negotiated.HasFlag(Capabilities.Ack) => "ACK was not negotiated in HELLO",
            MessageType.Result when !negotiated.HasFlag(Capabilities.Result) => "RESULT was not negotiated in HELLO",
            MessageType.Ring or MessageType.SharedFrame when senderRole != PeerRole.Producer => $"a {senderRole} may not send {type}",
            MessageType.Release when senderRole != PeerRole.Consumer => $"a {senderRole} may not send {type}",
            MessageType.Ring or MessageType.SharedFrame or MessageType.Release when !negotiated.HasFlag(Capabilities.SharedMemory) =>
                $"{type} needs shared memory, which was not negotiated in HELLO",
            _ => null,
        };
        if (problem is not null)
        {
            ProtocolException.Throw(ErrorCode.UnexpectedMessage, problem);
        }
    }
}
