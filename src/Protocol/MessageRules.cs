using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>PROTOCOL.md §4.1: which message may come when, and from which role.</summary>
public static class MessageRules
{
    /// <summary>The first message after the preamble must be HELLO (or ERROR, when the peer refuses).</summary>
    public static void CheckFirst(MessageType type, bool allowError)
    {
        if (type != MessageType.Hello && !(allowError && type == MessageType.Error))
        {
            ProtocolException.Throw(ErrorCode.UnexpectedMessage, $"expected HELLO as the first message, got {type}");
        }
    }

    /// <summary>After the opening: HELLO never again; FRAME only from a producer; ACK and RESULT only from a consumer.</summary>
    public static void CheckAfterOpening(MessageType type, PeerRole senderRole)
    {
        bool allowed = type switch
        {
            MessageType.Hello => false,
            MessageType.Frame => senderRole == PeerRole.Producer,
            MessageType.Ack or MessageType.Result => senderRole == PeerRole.Consumer,
            _ => true,
        };
        if (!allowed)
        {
            ProtocolException.Throw(ErrorCode.UnexpectedMessage,
                type == MessageType.Hello ? "HELLO may only be sent once" : $"a {senderRole} may not send {type}");
        }
    }
}
