using System.Buffers.Binary;

namespace RawFrames.Protocol.Wire;

/// <summary>
/// PROTOCOL.md §3: the 8 bytes before every message body. <see cref="Length"/> counts every byte after the length
/// field itself: the type byte, the three reserved bytes and the body.
/// </summary>
internal readonly record struct MessageHeader(uint Length, MessageType Type)
{
    public const int Size = ProtocolConstants.MessageHeaderSize;

    public int BodyLength => checked((int)Length - ProtocolConstants.LengthCoveredHeaderSize);

    public static MessageHeader ForBody(MessageType type, int bodyLength) =>
        new(checked((uint)(bodyLength + ProtocolConstants.LengthCoveredHeaderSize)), type);

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Length);
        // Type byte followed by three reserved zero bytes: one little-endian u32 write covers all four.
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (byte)Type);
    }
}
