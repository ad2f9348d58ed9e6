using System.Text;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// A frame read from a recording: every header field as it was received, its metadata and payload. The memory is the
/// reader's and is reused by its next read; copy what you keep.
/// </summary>
public readonly struct RecordedFrame : IFrame
{
    private readonly RecordingReader? _reader;
    private readonly long _read;

    internal RecordedFrame(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, long offset, RecordingReader reader, long read)
    {
        Header = header;
        Metadata = metadata;
        Payload = payload;
        Offset = offset;
        _reader = reader;
        _read = read;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The reader has read on: this frame's memory holds another one.</exception>
    public void DecodeBgr(Span<byte> bgr) => Reader.DecodeBgr(_read, Header, Payload.Span, bgr);

    void IFrame.TrackView(IDisposable view) => Reader.TrackView(_read, view);

    private RecordingReader Reader => _reader ?? throw new InvalidOperationException("a default RecordedFrame holds no frame");

    /// <summary>Its header fields together, as recorded: codec, geometry, stream, sequence, capture time, flags.</summary>
    public FrameInfo Info => FrameInfo.Of(Header);

    /// <summary>The payload, byte for byte as received.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The metadata, byte for byte as received.</summary>
    public ReadOnlyMemory<byte> Metadata { get; }

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
