using System.Buffers;
using RawFrames.Codecs;
using RawFrames.Protocol;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Receiving;

/// <summary>
/// A connection's current frame: a view of the connection's receive buffer, valid from <see cref="Load"/> to
/// <see cref="Release"/>. Every load and release moves the generation on (odd while a frame is held), so a
/// <see cref="ReceivedFrame"/> kept past its release fails when used instead of reading the next frame's bytes. One
/// per connection, used by its reader.
/// </summary>
internal sealed class FrameSlot(SenderConnection owner, CodecPool codecs)
{
    private int _generation;
    private byte[]? _bgr;
    private int _detached;
    private TaskCompletionSource? _drained;
    private readonly FrameViews _views = new();

    public SenderConnection Owner { get; } = owner;

    public CodecPool Codecs { get; } = codecs;

    public int Generation => Volatile.Read(ref _generation);

    public FrameHeader Header { get; private set; }

    public ReadOnlyMemory<byte> Payload { get; private set; }

    public ReadOnlyMemory<byte> Metadata { get; private set; }

    public void Load(in Message message)
    {
        Header = message.Frame;
        // A connection reads each message into one contiguous buffer (MessageInput), or a shared-memory slot.
        Payload = message.Payload.First;
        Metadata = message.Metadata.First;
        Interlocked.Increment(ref _generation);
    }

    /// <summary>A frame is loaded and not yet released: its memory (perhaps a shared-memory slot) must stay mapped.</summary>
    public bool IsHeld => (Volatile.Read(ref _generation) & 1) == 1;

    /// <summary>The application is done with the frame: views of it stop working, and the connection may read on.</summary>
    public void Release()
    {
        int generation = Volatile.Read(ref _generation);
        if ((generation & 1) == 1)
        {
            _views.EndAll();
            Interlocked.CompareExchange(ref _generation, generation + 1, generation);
        }
    }

    /// <summary>A view of the current frame's memory made elsewhere (an OpenCV Mat): ended when the frame is released.</summary>
    public void Track(int generation, IDisposable view)
    {
        Check(generation);
        _views.Add(view);
    }

    /// <exception cref="ObjectDisposedException">The frame was released: the iteration moved on and its memory is reused.</exception>
    public void Check(int generation)
    {
        if (generation != Volatile.Read(ref _generation))
        {
            throw new ObjectDisposedException(nameof(ReceivedFrame),
                "this frame was released when the iteration moved on, and its memory now holds another frame: Detach() a frame to keep it");
        }
    }

    /// <summary>The frame as packed BGR24 in a buffer this slot keeps (reused for the connection's next frames).</summary>
    public ReadOnlyMemory<byte> Bgr()
    {
        int length = FramePixels.BgrLength(Header);
        if (_bgr is null || _bgr.Length < length)
        {
            ReturnBgr();
            _bgr = ArrayPool<byte>.Shared.Rent(length);
        }

        FramePixels.ToBgr(Header, Payload.Span, _bgr, Codecs);
        return _bgr.AsMemory(0, length);
    }

    public DetachedFrame Detach()
    {
        Interlocked.Increment(ref _detached);
        return new DetachedFrame(this, Header, Metadata.Span, Payload.Span);
    }

    public void OnDetachedDisposed()
    {
        if (Interlocked.Decrement(ref _detached) == 0)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    /// <summary>Ends when every frame detached from this connection has been disposed: their results have been sent.</summary>
    public Task WhenDetachedDisposedAsync()
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        if (Volatile.Read(ref _detached) == 0)
        {
            drained.TrySetResult();
        }

        return drained.Task;
    }

    public void ReturnBgr()
    {
        if (_bgr is not null)
        {
            ArrayPool<byte>.Shared.Return(_bgr);
            _bgr = null;
        }
    }
}
