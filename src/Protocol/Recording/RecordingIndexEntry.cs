using System.Buffers.Binary;

namespace RawFrames.Protocol.Recording;

/// <summary>
/// PROTOCOL.md §18: one index entry per recorded FRAME, 32 bytes: where its message starts in the recording (u64), its
/// stream id (u32), 4 reserved zero bytes, its sequence number (u64) and its timestamp (i64), all from the frame itself.
/// </summary>
internal readonly record struct RecordingIndexEntry(long Offset, uint StreamId, ulong Sequence, long TimestampNs)
{
    public const int Size = 32;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], StreamId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], TimestampNs);
    }

    public static RecordingIndexEntry Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt64LittleEndian(source),
        BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
        BinaryPrimitives.ReadInt64LittleEndian(source[24..]));
}
