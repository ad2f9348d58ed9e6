using System.Buffers.Binary;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §10.1: consumer to producer, "frame <see cref="Sequence"/> of stream <see cref="StreamId"/> arrived".</summary>
/// <param name="ReceivedAtNs">When the consumer had the whole frame: nanoseconds since the Unix epoch on its wall clock.</param>
internal readonly record struct Ack(uint StreamId, ulong Sequence, long ReceivedAtNs)
{
    public const int Size = 24;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, StreamId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], ReceivedAtNs);
    }

    public static Ack Read(ReadOnlySpan<byte> body)
    {
        if (body.Length != Size)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"ACK body is {body.Length} bytes; it must be {Size}");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(body[4..]) != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, "reserved bytes 4-7 of ACK are not zero");
        }

        return new Ack(BinaryPrimitives.ReadUInt32LittleEndian(body), BinaryPrimitives.ReadUInt64LittleEndian(body[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[16..]));
    }
}
