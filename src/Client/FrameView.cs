using System.Buffers;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// A received frame as the application sees it: its header fields, payload and metadata, BGR pixels on request, and
/// a reply (RESULT) on the connection it came from. <see cref="ReceivedFrame"/> is valid until the next iteration;
/// <see cref="DetachedFrame"/> owns a copy until it is disposed.
/// </summary>
public abstract class FrameView
{
    private readonly FrameConnection _connection;
    private byte[]? _bgr;

    private protected FrameView(FrameConnection connection) => _connection = connection;

    public FrameHeader Header { get; private protected set; }

    public uint StreamId => Header.StreamId;

    public ulong Sequence => Header.Sequence;

    public int Width => Header.Width;

    public int Height => Header.Height;

    /// <summary>The sender's capture time, nanoseconds since the Unix epoch on its clock.</summary>
    public long TimestampNs => Header.TimestampNs;

    /// <summary>The payload as it arrived: raw pixels (rows <see cref="FrameHeader.Stride"/> apart) or a compressed image.</summary>
    public abstract ReadOnlyMemory<byte> Payload { get; }

    public abstract ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>The sender's address.</summary>
    public string Remote => _connection.Remote;

    /// <summary>Whether <see cref="ReplyAsync"/> may be used: the sender accepts RESULTs.</summary>
    public bool CanReply => _connection.Negotiated.HasFlag(Capabilities.Result);

    /// <summary>
    /// The frame as packed BGR24 (<c>Width * 3</c> bytes per row): decoded for compressed codecs, the padding dropped
    /// for raw BGR. The memory belongs to this view and is valid as long as the view is.
    /// </summary>
    public ReadOnlyMemory<byte> Bgr()
    {
        int size = FrameDecoding.BgrSize(Header);
        if (_bgr is null || _bgr.Length < size)
        {
            ReturnBuffers();
            _bgr = ArrayPool<byte>.Shared.Rent(size);
        }

        FrameDecoding.DecodeBgr(Header, Payload.Span, _bgr);
        return _bgr.AsMemory(0, size);
    }

    /// <summary>
    /// Sends a RESULT for this frame back to its sender (PROTOCOL.md §10.2), e.g. detections as JSON. The memory may
    /// be reused once the task ends.
    /// </summary>
    public ValueTask ReplyAsync(ReadOnlyMemory<byte> result, bool isJson = false, CancellationToken cancellationToken = default) =>
        CanReply
            ? _connection.SendResultAsync(new ResultHeader(StreamId, isJson, Sequence), result, cancellationToken)
            : throw new InvalidOperationException($"{Remote} does not accept results (its HELLO lacks the RESULT capability)");

    /// <summary>Sends a JSON RESULT for this frame.</summary>
    public ValueTask ReplyJsonAsync(string json, CancellationToken cancellationToken = default) =>
        ReplyAsync(System.Text.Encoding.UTF8.GetBytes(json), isJson: true, cancellationToken);

    private protected void ReturnBuffers()
    {
        if (_bgr is not null)
        {
            ArrayPool<byte>.Shared.Return(_bgr);
            _bgr = null;
        }
    }
}
