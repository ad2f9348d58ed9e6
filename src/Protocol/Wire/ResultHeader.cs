using System.Buffers.Binary;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>
/// PROTOCOL.md §10.2: the fixed start of a RESULT body (consumer to producer); the rest of the body is the result
/// itself, e.g. JSON detections for frame <see cref="Sequence"/>.
/// </summary>
internal readonly record struct ResultHeader(uint StreamId, bool IsJson, ulong Sequence)
{
    public const int Size = 16;
    private const uint JsonFlag = 1;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, StreamId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], IsJson ? JsonFlag : 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Sequence);
    }

    public static ResultHeader Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < Size)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"RESULT body is {body.Length} bytes; it must be at least {Size}");
        }

        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        if ((flags & ~JsonFlag) != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, $"reserved RESULT flag bits set: 0x{flags:X8}");
        }

        return new ResultHeader(BinaryPrimitives.ReadUInt32LittleEndian(body), flags == JsonFlag, BinaryPrimitives.ReadUInt64LittleEndian(body[8..]));
    }
}
