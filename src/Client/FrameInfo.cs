using RawFrames.Codecs;
using RawFrames.Protocol;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// What a frame says about itself (PROTOCOL.md §6): everything but its payload and metadata. Received, detached and
/// recorded frames carry one (<c>Info</c>); <see cref="FrameSender.SendFrameAsync"/> sends one as the caller made it,
/// with the caller's stream, sequence number and capture time (a replay, a bridge, a camera that numbers its frames).
/// </summary>
/// <param name="Stride">Raw frames: bytes from one row of the first plane to the next (0 when sending: packed). Compressed: 0.</param>
/// <param name="TimestampNs">Capture time, nanoseconds since the Unix epoch on the sender's wall clock (0 when sending: now).</param>
/// <param name="MetadataIsJson">The metadata is UTF-8 JSON (flag bit 0).</param>
/// <param name="IsBatch">A raw payload of N ≥ 1 images of this geometry one after another (flag bit 1, PROTOCOL.md §7.2).</param>
public readonly record struct FrameInfo(
    Codec Codec,
    PixelFormat PixelFormat,
    int Width,
    int Height,
    int Stride,
    uint StreamId,
    ulong Sequence,
    long TimestampNs,
    bool MetadataIsJson = false,
    bool IsBatch = false)
{
    /// <summary>A raw frame laid out as <paramref name="format"/> says.</summary>
    public static FrameInfo Raw(FrameFormat format, uint streamId, ulong sequence, long timestampNs, bool metadataIsJson = false) =>
        new(Codec.Raw, format.PixelFormat, format.Width, format.Height, format.Stride, streamId, sequence, timestampNs, metadataIsJson);

    /// <summary>A compressed frame: <paramref name="codedFrom"/> is what it was coded from and decodes to (PROTOCOL.md §7).</summary>
    public static FrameInfo Encoded(Codec codec, PixelFormat codedFrom, int width, int height, uint streamId, ulong sequence, long timestampNs,
        bool metadataIsJson = false) =>
        new(codec, codedFrom, width, height, 0, streamId, sequence, timestampNs, metadataIsJson);

    /// <summary>
    /// A model input made as <paramref name="spec"/> says, as a raw frame (PROTOCOL.md §7.2): its tensor pixel format,
    /// the spec's size, rows without padding. With <paramref name="isBatch"/>, a payload of N such images (§17's metadata says N).
    /// </summary>
    public static FrameInfo ForTensor(TensorSpec spec, uint streamId, ulong sequence, long timestampNs, bool metadataIsJson = false, bool isBatch = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new(Codec.Raw, spec.PixelFormat(), spec.Width, spec.Height, checked((int)PixelLayout.MinStride(spec.PixelFormat(), spec.Width)),
            streamId, sequence, timestampNs, metadataIsJson || isBatch, isBatch);
    }

    internal FrameFlags Flags => (MetadataIsJson ? FrameFlags.MetadataIsJson : FrameFlags.None) | (IsBatch ? FrameFlags.Batch : FrameFlags.None);

    internal static FrameInfo Of(in FrameHeader header) =>
        new(header.Codec, header.PixelFormat, header.Width, header.Height, header.Stride, header.StreamId, header.Sequence, header.TimestampNs,
            header.Flags.HasFlag(FrameFlags.MetadataIsJson), header.Flags.HasFlag(FrameFlags.Batch));

    /// <summary>
    /// The wire header for this frame with <paramref name="metadataLength"/> bytes of metadata, not yet checked
    /// (<see cref="Check"/>). Stride 0 on a raw frame means packed rows; timestamp 0 means now.
    /// </summary>
    internal FrameHeader ToHeader(int metadataLength)
    {
        int stride = Codec == Codec.Raw && Stride == 0 && PixelLayout.IsKnown(PixelFormat) && Width > 0
            ? checked((int)PixelLayout.MinStride(PixelFormat, Width))
            : Stride;
        return (this with { Stride = stride, TimestampNs = TimestampNs != 0 ? TimestampNs : UnixTime.NowNanoseconds() }).ToWireHeader(metadataLength);
    }

    /// <summary>The wire header with every field as it is (no defaults filled in), e.g. for a received frame recorded.</summary>
    internal FrameHeader ToWireHeader(int metadataLength) =>
        new(Codec, PixelFormat, Flags, StreamId, Width, Height, Stride, metadataLength, Sequence, TimestampNs);

    /// <summary>
    /// Checks <paramref name="header"/> with a payload of <paramref name="payloadLength"/> bytes by the rules a receiver
    /// applies (PROTOCOL.md §6.1), so a frame no receiver would take is refused here, in words, before anything is sent.
    /// </summary>
    /// <exception cref="ArgumentException">The frame breaks a rule of PROTOCOL.md §6.1 or §7.</exception>
    internal static void Check(in FrameHeader header, long payloadLength)
    {
        Span<byte> bytes = stackalloc byte[FrameHeader.Size];
        header.WriteTo(bytes);
        try
        {
            FrameHeader.Read(bytes, FrameHeader.Size + header.MetadataLength + header.MetadataPadding + payloadLength);
        }
        catch (ProtocolException e)
        {
            throw new ArgumentException($"frame {header.Sequence} of stream {header.StreamId} would be refused by any receiver: {e.Message}", e);
        }
    }
}
