using RawFrames.Protocol;
using RawFrames.Protocol.Transport;

namespace RawFrames.Client;

/// <summary>
/// A received frame copied into pooled memory: it outlives the iteration, can go to another thread (a model running
/// several frames at once), and still replies on its connection. Dispose it when done; the memory goes back to the
/// pool, and a sender that ended its stream gets its answer once every frame detached from it is disposed. Frames that the library hands out in batches or from ordered processing are disposed by the library when
/// the iteration moves on.
/// </summary>
public sealed class DetachedFrame : FrameView, IDisposable
{
    private readonly PooledFrame _copy;
    private ReceivedFrame? _origin;

    internal DetachedFrame(FrameConnection connection, PooledFrame copy, ReceivedFrame origin)
        : base(connection)
    {
        _copy = copy;
        _origin = origin;
        Header = copy.Header;
    }

    public override ReadOnlyMemory<byte> Payload => _copy.Payload;

    public override ReadOnlyMemory<byte> Metadata => _copy.Metadata;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _origin, null) is not { } origin)
        {
            return;
        }

        ReturnBuffers();
        _copy.Dispose();
        origin.OnDetachedDisposed();
    }
}
