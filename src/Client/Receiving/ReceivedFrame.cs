using System.Text;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// A frame as received: its header fields, payload and metadata, pixels on request, and a reply to its sender. A
/// view of the connection's receive buffer (or shared-memory slot), valid until the iteration moves on; its connection
/// reads nothing more until then, which is the backpressure. Using it afterwards throws
/// <see cref="ObjectDisposedException"/> instead of reading the bytes of a later frame; <see cref="Detach"/> keeps a
/// copy. Memory obtained from it (<see cref="Payload"/>, <see cref="Bgr"/>) follows the same lifetime.
/// </summary>
public readonly struct ReceivedFrame : IFrame
{
    private readonly Receiving.FrameSlot? _slot;
    private readonly int _generation;

    internal ReceivedFrame(Receiving.FrameSlot slot)
    {
        _slot = slot;
        _generation = slot.Generation;
    }

    /// <summary>False once the frame was released (or for a default value).</summary>
    public bool IsValid => _slot is not null && _slot.Generation == _generation;

    /// <summary>Its header fields together: codec, geometry, stream, sequence, capture time, flags.</summary>
    public FrameInfo Info => FrameInfo.Of(Header);

    /// <summary>The payload as it arrived: raw pixels laid out as <see cref="PixelFormat"/> and <see cref="FrameInfo.Stride"/> say, or a compressed image. One contiguous block.</summary>
    public ReadOnlyMemory<byte> Payload => Slot.Payload;

    /// <summary>What the sender attached to the frame (often JSON, see <see cref="FrameInfo.MetadataIsJson"/>); empty when nothing.</summary>
    public ReadOnlyMemory<byte> Metadata => Slot.Metadata;

    /// <summary>The connection it came on: the sender's address, software and transport.</summary>
    public SenderConnection Sender => Slot.Owner;

    /// <summary>Whether <see cref="ReplyAsync"/> may be used: the sender accepts RESULTs.</summary>
    public bool CanReply => Slot.Owner.CanReply;

    internal FrameHeader Header => Slot.Header;

    private Receiving.FrameSlot Slot
    {
        get
        {
            if (_slot is null)
            {
                throw new InvalidOperationException("a default ReceivedFrame holds no frame");
            }

            _slot.Check(_generation);
            return _slot;
        }
    }

    /// <summary>
    /// The frame as packed BGR24 (<c>Width * 3</c> bytes per row): decoded for compressed codecs, converted from RGB24,
    /// BGRA32, GRAY8 or J420, the padding dropped for raw BGR24. The memory is reused for the connection's next frame.
    /// </summary>
    /// <exception cref="NotSupportedException">Raw I420 or NV12.</exception>
    /// <exception cref="CorruptFrameException">The payload does not decode.</exception>
    public ReadOnlyMemory<byte> Bgr() => Slot.Bgr();

    /// <summary>Decodes or converts the frame into <paramref name="bgr"/> as packed BGR24 (at least <c>Width * Height * 3</c> bytes): no allocation.</summary>
    public void DecodeBgr(Span<byte> bgr)
    {
        Receiving.FrameSlot slot = Slot;
        Receiving.FramePixels.ToBgr(slot.Header, slot.Payload.Span, bgr, slot.Codecs);
    }

    /// <summary>Registers a view of this frame's memory made by an adapter (an OpenCV Mat): it is ended when the frame is released.</summary>
    void IFrame.TrackView(IDisposable view) => TrackView(view);

    internal void TrackView(IDisposable view)
    {
        if (_slot is null)
        {
            throw new InvalidOperationException("a default ReceivedFrame holds no frame");
        }

        _slot.Track(_generation, view);
    }

    /// <summary>A copy that stays valid after the iteration moves on, until it is disposed (pooled memory).</summary>
    public DetachedFrame Detach() => Slot.Detach();

    /// <summary>
    /// Sends a RESULT for this frame back to its sender (PROTOCOL.md §10.2), e.g. detections as JSON. The memory may be
    /// reused once the task ends.
    /// </summary>
    /// <exception cref="InvalidOperationException">The sender does not accept results.</exception>
    public ValueTask ReplyAsync(ReadOnlyMemory<byte> result, bool isJson = false, CancellationToken cancellationToken = default)
    {
        FrameHeader header = Header;
        return Slot.Owner.ReplyAsync(new ResultHeader(header.StreamId, isJson, header.Sequence), result, cancellationToken);
    }

    /// <summary>Sends a JSON RESULT for this frame.</summary>
    public ValueTask ReplyJsonAsync(string json, CancellationToken cancellationToken = default) =>
        ReplyAsync(Encoding.UTF8.GetBytes(json), isJson: true, cancellationToken);
}
