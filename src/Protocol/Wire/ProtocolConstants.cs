namespace RawFrames.Protocol.Wire;

/// <summary>Fixed numbers of PROTOCOL.md v1.</summary>
internal static class ProtocolConstants
{
    /// <summary>PROTOCOL.md §2: the first four bytes of each direction, ASCII "RFRM".</summary>
    public const uint Magic = 0x4D524652; // "RFRM" read as a little-endian u32

    /// <summary>The protocol version this library speaks.</summary>
    public const ushort Version = 1;

    /// <summary>PROTOCOL.md §3: length prefix (4) + type (1) + reserved (3).</summary>
    public const int MessageHeaderSize = 8;

    /// <summary>Bytes of a message counted by the length prefix before the body: type + reserved.</summary>
    public const int LengthCoveredHeaderSize = MessageHeaderSize - 4;

    /// <summary>PROTOCOL.md §3: default largest value of the length prefix a peer accepts (64 MiB; 4K BGR fits).</summary>
    public const int DefaultMaxMessageLength = 64 * 1024 * 1024;

    /// <summary>No peer may announce a limit below this; HELLO, ERROR and PING always fit.</summary>
    public const int MinMaxMessageLength = 4096;

    /// <summary>Largest limit this implementation accepts: a message must fit in one .NET array when copied.</summary>
    public const int MaxMaxMessageLength = 1024 * 1024 * 1024;

    /// <summary>PROTOCOL.md §6: payloads start at a multiple of this from the start of the message.</summary>
    public const int PayloadAlignment = 8;

    /// <summary>PROTOCOL.md §6: frame width and height range from 1 to this.</summary>
    public const int MaxDimension = 65535;

    /// <summary>PROTOCOL.md §8: an ERROR reason is at most this many bytes of UTF-8.</summary>
    public const int MaxErrorReasonBytes = 1024;
}
