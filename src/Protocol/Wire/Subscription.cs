using System.Buffers.Binary;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>
/// HELLO option 3 (PROTOCOL.md §16): a consumer's request to a relay. Producers that are not relays skip it like any
/// option they do not use.
/// </summary>
/// <param name="Codec">The codec to deliver, or null for frames as they arrive.</param>
/// <param name="QueueFrames">Lossless queue bound; 0 for the relay's default.</param>
/// <param name="StreamId">Only this stream, or null for every stream.</param>
internal sealed record Subscription(DeliveryPolicy Policy, WhenFull WhenFull = WhenFull.SwitchToLatest, Codec? Codec = null, int QueueFrames = 0, uint? StreamId = null)
{
    public const ushort OptionKey = 3;
    public const int Size = 12;
    public const int MaxQueueFrames = 1024;
    private const byte AnyCodec = 0xFF;
    private const uint AnyStream = uint.MaxValue;

    public static Subscription Default { get; } = new(DeliveryPolicy.Lossless);

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = (byte)Policy;
        destination[1] = (byte)WhenFull;
        destination[2] = Codec is { } codec ? (byte)codec : AnyCodec;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)QueueFrames);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], StreamId ?? AnyStream);
    }

    /// <summary>Reads and checks option 3's value in field order (§16.1).</summary>
    public static Subscription Read(ReadOnlySpan<byte> value)
    {
        if (value.Length != Size)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"HELLO subscription option is {value.Length} bytes; it must be {Size}");
        }

        if (value[0] > (byte)DeliveryPolicy.Latest || value[1] > (byte)WhenFull.Disconnect)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"HELLO subscription: policy {value[0]} or when-full {value[1]} is not defined");
        }

        if (value[2] > (byte)Client.Codec.Bmp && value[2] != AnyCodec)
        {
            ProtocolException.Throw(ErrorCode.UnknownCodec, $"HELLO subscription asks for unknown codec {value[2]}");
        }

        if (value[3] != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, "reserved byte 3 of the HELLO subscription option is not zero");
        }

        uint queue = BinaryPrimitives.ReadUInt32LittleEndian(value[4..]);
        if (queue > MaxQueueFrames)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"HELLO subscription queue of {queue} frames exceeds {MaxQueueFrames}");
        }

        uint stream = BinaryPrimitives.ReadUInt32LittleEndian(value[8..]);
        return new Subscription((DeliveryPolicy)value[0], (WhenFull)value[1], value[2] == AnyCodec ? null : (Codec)value[2], (int)queue,
            stream == AnyStream ? null : stream);
    }
}
