using RawFrames.Client.Receiving;
using RawFrames.Client.Serving;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// A frame a <see cref="LocalSubscription"/> gives, shared with every other subscriber of the server: valid until the
/// loop over <see cref="LocalSubscription.ReadAllAsync"/> moves on. <see cref="As"/> gives it in another codec, made
/// at most once per frame for all subscribers that want that codec.
/// </summary>
public sealed class ServedFrame : IFrame
{
    private readonly FrameServer _server;
    private SharedFrame? _frame;
    private readonly List<IDisposable> _views = [];

    internal ServedFrame(FrameServer server) => _server = server;

    /// <inheritdoc/>
    public FrameInfo Info => FrameInfo.Of(Shared.Header);

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> Payload => Shared.Payload;

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> Metadata => Shared.Metadata;

    private SharedFrame Shared => _frame ?? throw new InvalidOperationException("a served frame is valid until the loop over the subscription moves on");

    /// <summary>
    /// The frame in <paramref name="codec"/> (null: as it came), made on first request by any subscriber and shared;
    /// as it came when it cannot be converted (a corrupt payload, a raw pixel format with no BGR path), which the
    /// server counts in <see cref="FrameServer.Unconverted"/>. Valid as long as the frame.
    /// </summary>
    public (FrameInfo Info, ReadOnlyMemory<byte> Payload) As(Codec? codec)
    {
        (FrameHeader header, ReadOnlyMemory<byte> payload) = Shared.As(codec, _server.Transcoder);
        return (FrameInfo.Of(header), payload);
    }

    /// <inheritdoc/>
    public void DecodeBgr(Span<byte> bgr) => FramePixels.ToBgr(Shared.Header, Shared.Payload.Span, bgr, _server.Codecs);

    void IFrame.TrackView(IDisposable view) => _views.Add(view);

    // The subscription's loop moves on: views made of this frame end, the shared frame loses this reference.
    internal void Set(SharedFrame? frame)
    {
        foreach (IDisposable view in _views)
        {
            view.Dispose();
        }

        _views.Clear();
        _frame?.Release();
        _frame = frame;
    }
}
