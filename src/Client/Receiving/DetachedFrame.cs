using System.Buffers;
using System.Text;
using RawFrames.Client.Receiving;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// A received frame copied into pooled memory: it outlives the iteration, can go to another thread (a model running
/// several frames at once), and still replies on its connection. Dispose it when done: the memory goes back to the
/// pool, using the frame afterwards throws <see cref="ObjectDisposedException"/>, and a sender that ended its stream
/// gets its answer once every frame detached from it is disposed. Frames the library hands out in batches or from
/// ordered processing are disposed by the library when the iteration moves on.
/// </summary>
public sealed class DetachedFrame : IDisposable, IFrame
{
    private readonly FrameHeader _header;
    private readonly int _metadataLength;
    private readonly int _payloadLength;
    private byte[]? _buffer;
    private byte[]? _bgr;
    private FrameSlot? _origin;
    private readonly FrameViews _views = new();

    internal DetachedFrame(FrameSlot origin, FrameHeader header, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> payload)
    {
        _origin = origin;
        Sender = origin.Owner;
        _header = header;
        _metadataLength = metadata.Length;
        _payloadLength = payload.Length;
        _buffer = ArrayPool<byte>.Shared.Rent(metadata.Length + payload.Length);
        metadata.CopyTo(_buffer);
        payload.CopyTo(_buffer.AsSpan(metadata.Length));
    }

    /// <inheritdoc cref="ReceivedFrame.Info"/>
    public FrameInfo Info => FrameInfo.Of(Header);

    /// <summary>The payload; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Payload => Buffer.AsMemory(_metadataLength, _payloadLength);

    /// <inheritdoc cref="ReceivedFrame.Metadata"/>
    public ReadOnlyMemory<byte> Metadata => Buffer.AsMemory(0, _metadataLength);

    /// <summary>The connection it came on.</summary>
    public SenderConnection Sender { get; }

    /// <inheritdoc cref="ReceivedFrame.CanReply"/>
    public bool CanReply => Sender.CanReply;

    internal FrameHeader Header
    {
        get
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            return _header;
        }
    }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(DetachedFrame));

    /// <summary>The frame as packed BGR24, in memory this frame owns until it is disposed.</summary>
    public ReadOnlyMemory<byte> Bgr()
    {
        int length = FramePixels.BgrLength(Header);
        _bgr ??= ArrayPool<byte>.Shared.Rent(length);
        FramePixels.ToBgr(_header, Payload.Span, _bgr, _origin!.Codecs);
        return _bgr.AsMemory(0, length);
    }

    /// <inheritdoc cref="ReceivedFrame.DecodeBgr"/>
    public void DecodeBgr(Span<byte> bgr) => FramePixels.ToBgr(Header, Payload.Span, bgr, _origin!.Codecs);

    /// <summary>Registers a view of this frame's memory made by an adapter (an OpenCV Mat): it is ended when the frame is disposed.</summary>
    void IFrame.TrackView(IDisposable view) => TrackView(view);

    internal void TrackView(IDisposable view)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        _views.Add(view);
    }

    /// <summary>Sends a RESULT for this frame back to its sender (PROTOCOL.md §10.2).</summary>
    public ValueTask ReplyAsync(ReadOnlyMemory<byte> result, bool isJson = false, CancellationToken cancellationToken = default) =>
        Sender.ReplyAsync(new ResultHeader(Header.StreamId, isJson, Header.Sequence), result, cancellationToken);

    /// <summary>Sends a JSON RESULT for this frame.</summary>
    public ValueTask ReplyJsonAsync(string json, CancellationToken cancellationToken = default) =>
        ReplyAsync(Encoding.UTF8.GetBytes(json), isJson: true, cancellationToken);

    /// <summary>Gives the memory back to the pool; the frame cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _origin, null) is not { } origin)
        {
            return;
        }

        _views.EndAll();

        ArrayPool<byte>.Shared.Return(_buffer!);
        _buffer = null;
        if (_bgr is not null)
        {
            ArrayPool<byte>.Shared.Return(_bgr);
            _bgr = null;
        }

        origin.OnDetachedDisposed();
    }
}
