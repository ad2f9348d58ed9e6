using System.Buffers.Binary;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>
/// PROTOCOL.md §6: the fixed 40 bytes at the start of a FRAME body. One layout shared by reader and writer.
/// </summary>
/// <param name="TimestampNs">Capture time: nanoseconds since the Unix epoch (UTC) on the producer's wall clock.</param>
internal readonly record struct FrameHeader(
    Codec Codec,
    PixelFormat PixelFormat,
    FrameFlags Flags,
    uint StreamId,
    int Width,
    int Height,
    int Stride,
    int MetadataLength,
    ulong Sequence,
    long TimestampNs)
{
    public const int Size = 40;

    /// <summary>Zero bytes between the metadata and the payload so the payload starts 8-aligned in the message.</summary>
    public int MetadataPadding => Padding(MetadataLength);

    /// <summary>Bytes of the FRAME body before the payload: header, metadata and padding.</summary>
    public int PayloadOffset => Size + MetadataLength + MetadataPadding;

    /// <summary>The length prefix of a FRAME message with this much metadata and payload (PROTOCOL.md §3, §6).</summary>
    public static long MessageLength(int metadataLength, long payloadLength) =>
        ProtocolConstants.LengthCoveredHeaderSize + Size + metadataLength + Padding(metadataLength) + payloadLength;

    public static int Padding(int metadataLength) =>
        (ProtocolConstants.PayloadAlignment - (metadataLength % ProtocolConstants.PayloadAlignment)) % ProtocolConstants.PayloadAlignment;

    /// <summary>A header for uncompressed pixels; <paramref name="stride"/> 0 means tightly packed rows.</summary>
    public static FrameHeader ForRaw(PixelFormat format, int width, int height, int stride, uint streamId, ulong sequence, long timestampNs) =>
        new(Codec.Raw, format, FrameFlags.None, streamId, width, height,
            stride != 0 ? stride : checked((int)PixelLayout.MinStride(format, width)), 0, sequence, timestampNs);

    /// <summary>A model input or a batch (PROTOCOL.md §7.2): sent only where MODEL_INPUTS was negotiated.</summary>
    public bool IsModelInput => PixelLayout.IsTensor(PixelFormat) || Flags.HasFlag(FrameFlags.Batch);

    public void WriteTo(Span<byte> destination)
    {
        destination = destination[..Size];
        destination[0] = (byte)Codec;
        destination[1] = (byte)PixelFormat;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)Width);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], (uint)Height);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], (uint)Stride);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], (uint)MetadataLength);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], TimestampNs);
    }

    /// <summary>
    /// PROTOCOL.md §7: the pixel formats a compressed codec's pixel format field may name (what it was coded from and
    /// decodes to by default).
    /// </summary>
    public static bool IsCodedFrom(Codec codec, PixelFormat format) => codec switch
    {
        Codec.Jpeg or Codec.Png => format is PixelFormat.Bgr24 or PixelFormat.Gray8,
        Codec.YuvJpeg => format == PixelFormat.J420,
        Codec.Bmp => format == PixelFormat.Bgr24,
        _ => PixelLayout.IsKnown(format),
    };

    private static string AllowedFormats(Codec codec) => codec switch
    {
        Codec.Jpeg or Codec.Png => "Bgr24 or Gray8",
        Codec.YuvJpeg => "J420",
        _ => "Bgr24",
    };

    /// <summary>
    /// Reads and validates a header against the length of the FRAME body that carries it, in the order of
    /// PROTOCOL.md §6.1, so that every implementation reports the same error for the same bytes.
    /// </summary>
    /// <param name="modelInputs">
    /// Model inputs were negotiated (both HELLOs set MODEL_INPUTS, §5), or there is no HELLO (a recording, a NATS
    /// message): pixel formats 8-13 and the batch flag are allowed. Otherwise they are unknown and reserved, as to a
    /// peer that has never heard of them.
    /// </param>
    public static FrameHeader Read(ReadOnlySpan<byte> source, long bodyLength, bool modelInputs = true)
    {
        source = source[..Size];
        var codec = (Codec)source[0];
        if (codec > Codec.Bmp)
        {
            ProtocolException.Throw(ErrorCode.UnknownCodec, $"unknown codec {source[0]} (this receiver knows 0-{(int)Codec.Bmp})");
        }

        var format = (PixelFormat)source[1];
        if (!PixelLayout.IsKnown(format))
        {
            ProtocolException.Throw(ErrorCode.UnknownPixelFormat, $"unknown pixel format {source[1]} (this receiver knows 1-{(int)PixelFormat.BgrF32})");
        }

        if (!modelInputs && PixelLayout.IsTensor(format))
        {
            ProtocolException.Throw(ErrorCode.UnknownPixelFormat,
                $"pixel format {source[1]} is a model input, and model inputs were not negotiated (both HELLOs set capability bit 3, MODEL_INPUTS: PROTOCOL.md §5, §7.2)");
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(source[2..]);
        ushort allowed = (ushort)(FrameFlags.MetadataIsJson | (modelInputs ? FrameFlags.Batch : 0));
        if ((flags & ~allowed) != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, (flags & ~(ushort)(FrameFlags.MetadataIsJson | FrameFlags.Batch)) == 0
                ? "frame flag bit 1 (batch) is set, and model inputs were not negotiated (both HELLOs set capability bit 3, MODEL_INPUTS: PROTOCOL.md §5, §7.2)"
                : $"reserved frame flag bits set: 0x{flags:X4}");
        }

        uint width = BinaryPrimitives.ReadUInt32LittleEndian(source[8..]);
        uint height = BinaryPrimitives.ReadUInt32LittleEndian(source[12..]);
        if (width is 0 or > ProtocolConstants.MaxDimension || height is 0 or > ProtocolConstants.MaxDimension)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                $"frame geometry {width}x{height} is outside 1x1 to {ProtocolConstants.MaxDimension}x{ProtocolConstants.MaxDimension}");
        }

        uint stride = BinaryPrimitives.ReadUInt32LittleEndian(source[16..]);
        uint metadataLength = BinaryPrimitives.ReadUInt32LittleEndian(source[20..]);
        long payloadLength = bodyLength - Size - metadataLength - Padding((int)(metadataLength % ProtocolConstants.PayloadAlignment));
        if (payloadLength < 0)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                $"metadata of {metadataLength} bytes (plus padding) does not fit in a frame body of {bodyLength} bytes");
        }

        if (codec == Codec.Raw)
        {
            long minStride = PixelLayout.MinStride(format, (int)width);
            if (stride < minStride)
            {
                ProtocolException.Throw(ErrorCode.MalformedMessage,
                    $"stride {stride} is less than the {minStride} bytes a {format} row of width {width} needs");
            }

            long expected = PixelLayout.RawPayloadSize(format, (int)width, (int)height, stride);
            if ((flags & (ushort)FrameFlags.Batch) != 0)
            {
                if (payloadLength == 0 || payloadLength % expected != 0)
                {
                    ProtocolException.Throw(ErrorCode.PayloadSizeMismatch,
                        $"a batch of raw {format} is {payloadLength} bytes, not a whole number (1 or more) of {width}x{height} images of {expected} bytes");
                }
            }
            else if (payloadLength != expected)
            {
                ProtocolException.Throw(ErrorCode.PayloadSizeMismatch,
                    $"raw {format} payload is {payloadLength} bytes; {width}x{height} with stride {stride} needs {expected}");
            }
        }
        else
        {
            if (stride != 0)
            {
                ProtocolException.Throw(ErrorCode.MalformedMessage, $"stride must be 0 for codec {codec}, got {stride}");
            }

            if (payloadLength == 0)
            {
                ProtocolException.Throw(ErrorCode.MalformedMessage, $"empty {codec} payload");
            }

            if ((flags & (ushort)FrameFlags.Batch) != 0)
            {
                ProtocolException.Throw(ErrorCode.MalformedMessage, $"a {codec} payload cannot be a batch: flag bit 1 is for raw frames");
            }

            if (!IsCodedFrom(codec, format))
            {
                ProtocolException.Throw(ErrorCode.MalformedMessage,
                    $"a {codec} payload cannot have pixel format {format}; PROTOCOL.md §7 allows {AllowedFormats(codec)}");
            }
        }

        return new FrameHeader(codec, format, (FrameFlags)flags,
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]), (int)width, (int)height, (int)stride, (int)metadataLength,
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]), BinaryPrimitives.ReadInt64LittleEndian(source[32..]));
    }
}
