using System.Buffers.Binary;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>
/// PROTOCOL.md §15.3: the 16 bytes after the frame header of SHARED_FRAME that say where its payload is: ring slot
/// <see cref="Slot"/>, bytes 0 to <see cref="PayloadLength"/> of it.
/// </summary>
internal readonly record struct SlotReference(int Slot, long PayloadLength)
{
    public const int Size = 16;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Slot);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], (ulong)PayloadLength);
    }

    public static SlotReference Read(ReadOnlySpan<byte> source)
    {
        uint slot = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[4..]) != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, "reserved bytes 44-47 of SHARED_FRAME are not zero");
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(source[8..]);
        if (slot >= RingAnnouncement.MaxSlots || length > ProtocolConstants.MaxMaxMessageLength)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"SHARED_FRAME names slot {slot} with {length} bytes, beyond any ring");
        }

        return new SlotReference((int)slot, (long)length);
    }

    /// <summary>RELEASE's body (§15.4): the slot, then 4 reserved bytes.</summary>
    public const int ReleaseSize = 8;

    public static void WriteRelease(Span<byte> destination, int slot)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)slot);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
    }

    public static int ReadRelease(ReadOnlySpan<byte> body)
    {
        uint slot = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if (BinaryPrimitives.ReadUInt32LittleEndian(body[4..]) != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, "reserved bytes 4-7 of RELEASE are not zero");
        }

        return slot < RingAnnouncement.MaxSlots
            ? (int)slot
            : throw new ProtocolException(ErrorCode.MalformedMessage, $"RELEASE names slot {slot}; a ring has at most {RingAnnouncement.MaxSlots}");
    }
}
