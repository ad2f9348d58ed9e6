namespace RawFrames.Client;

/// <summary>PROTOCOL.md §9: numeric codes carried by ERROR messages and by <see cref="ProtocolException"/>.</summary>
public enum ErrorCode : uint
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The first bytes were not the magic: the peer does not speak this protocol.</summary>
    BadMagic = 1,
    /// <summary>The peer's preamble names a protocol version this side does not speak.</summary>
    UnsupportedVersion = 2,
    /// <summary>A length prefix above the receiver's limit; rejected before any payload is read.</summary>
    MessageTooLarge = 3,
    /// <summary>Lengths or fields that contradict each other, or a message too short for its type.</summary>
    MalformedMessage = 4,
    /// <summary>A message type this version does not define.</summary>
    UnknownMessageType = 5,
    /// <summary>A frame's codec is not one of PROTOCOL.md §6's.</summary>
    UnknownCodec = 6,
    /// <summary>A frame's pixel format is not one of PROTOCOL.md §7's.</summary>
    UnknownPixelFormat = 7,
    /// <summary>A flag or field reserved for later versions is not zero.</summary>
    ReservedBitSet = 8,
    /// <summary>A raw payload whose size is not what width, height, stride and pixel format make.</summary>
    PayloadSizeMismatch = 9,
    /// <summary>A message out of order or in the wrong direction for the sender's role.</summary>
    UnexpectedMessage = 10,
    /// <summary>Never sent: the connection ended inside a message.</summary>
    TruncatedStream = 11,
    /// <summary>Nothing arrived within the idle timeout announced in HELLO: the peer is gone or the link stalled.</summary>
    Timeout = 12,
    /// <summary>The token was missing or wrong (PROTOCOL.md §14).</summary>
    Unauthorized = 13,
    /// <summary>The accepting side serves as many connections as it allows.</summary>
    ConnectionLimit = 14,
    /// <summary>The peer is going away; a reconnecting producer comes back to whoever listens next.</summary>
    ShuttingDown = 15,
    /// <summary>A relay's lossless subscriber whose queue filled up, with "when full: disconnect" (PROTOCOL.md §16).</summary>
    TooSlow = 16,
    /// <summary>The peer did not announce a capability this side needs: a relay serving model inputs to a subscriber without MODEL_INPUTS (PROTOCOL.md §7.2).</summary>
    NotCapable = 17,
    /// <summary>Codes from here up are for applications.</summary>
    ApplicationBase = 0x10000,
}
