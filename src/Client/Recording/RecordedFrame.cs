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
