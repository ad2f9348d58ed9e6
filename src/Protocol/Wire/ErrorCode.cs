namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §9: numeric codes carried by ERROR messages and by <see cref="ProtocolException"/>.</summary>
public enum ErrorCode : uint
{
    None = 0,
    /// <summary>The first bytes were not the magic: the peer does not speak this protocol.</summary>
    BadMagic = 1,
    UnsupportedVersion = 2,
    /// <summary>A length prefix above the receiver's limit; rejected before any payload is read.</summary>
    MessageTooLarge = 3,
    /// <summary>Lengths or fields that contradict each other, or a message too short for its type.</summary>
    MalformedMessage = 4,
    UnknownMessageType = 5,
    UnknownCodec = 6,
    UnknownPixelFormat = 7,
    ReservedBitSet = 8,
    /// <summary>A raw payload whose size is not what width, height, stride and pixel format make.</summary>
    PayloadSizeMismatch = 9,
    /// <summary>A message out of order or in the wrong direction for the sender's role.</summary>
    UnexpectedMessage = 10,
    /// <summary>Never sent: the connection ended inside a message.</summary>
    TruncatedStream = 11,
    Timeout = 12,
    Unauthorized = 13,
    ConnectionLimit = 14,
    ShuttingDown = 15,
    /// <summary>A relay's lossless subscriber whose queue filled up, with "when full: disconnect" (PROTOCOL.md §16).</summary>
    TooSlow = 16,
    /// <summary>Codes from here up are for applications.</summary>
    ApplicationBase = 0x10000,
}
