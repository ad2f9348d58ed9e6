using System.Text;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// A frame read from a recording: every header field as it was received, its metadata and payload. The memory is the
/// reader's and is reused by its next read; copy what you keep.
/// </summary>
public readonly struct RecordedFrame
{
    internal RecordedFrame(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, long offset)
    {
        Header = header;
        Metadata = metadata;
        Payload = payload;
        Offset = offset;
    }

    /// <summary>Its header fields together, as recorded: codec, geometry, stream, sequence, capture time, flags.</summary>
    public FrameInfo Info => FrameInfo.Of(Header);

    /// <summary>The stream it belongs to, as the recorder knew it (producers kept apart, PROTOCOL.md §16).</summary>
    public uint StreamId => Header.StreamId;

    /// <summary>The producer's sequence number.</summary>
    public ulong Sequence => Header.Sequence;

    /// <summary>The capture time: nanoseconds since the Unix epoch on the producer's wall clock.</summary>
    public long TimestampNs => Header.TimestampNs;

    /// <summary>Width in pixels.</summary>
    public int Width => Header.Width;

    /// <summary>Height in pixels.</summary>
    public int Height => Header.Height;

    /// <summary>Bytes per row of a raw payload; 0 for compressed ones.</summary>
    public int Stride => Header.Stride;

    /// <summary>How the payload is coded.</summary>
    public Codec Codec => Header.Codec;

    /// <summary>The pixel layout (PROTOCOL.md §7).</summary>
    public PixelFormat PixelFormat => Header.PixelFormat;

    /// <summary>The metadata is flagged as UTF-8 JSON.</summary>
    public bool MetadataIsJson => Header.Flags.HasFlag(FrameFlags.MetadataIsJson);

    /// <summary>The payload, byte for byte as received.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The metadata, byte for byte as received.</summary>
    public ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>The metadata as text (UTF-8).</summary>
    public string MetadataText => Encoding.UTF8.GetString(Metadata.Span);

    /// <summary>Where the frame's message starts in the recording file.</summary>
    public long Offset { get; }

    internal FrameHeader Header { get; }
}

/// <summary>A RESULT read from a recording (PROTOCOL.md §10.2): what a consumer answered for a frame.</summary>
/// <param name="StreamId">The frame's stream.</param>
/// <param name="Sequence">The frame's sequence number.</param>
/// <param name="IsJson">The result is flagged as UTF-8 JSON.</param>
/// <param name="Result">The result's bytes (a copy).</param>
public sealed record RecordedResult(uint StreamId, ulong Sequence, bool IsJson, byte[] Result)
{
    /// <summary>The result as text (UTF-8).</summary>
    public string Text => Encoding.UTF8.GetString(Result);
}
