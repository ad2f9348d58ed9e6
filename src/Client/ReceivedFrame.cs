using System.Buffers;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;

namespace RawFrames.Client;

/// <summary>
/// A frame handed out by <see cref="FrameReceiver.ReadAllAsync"/>: a view of the connection's receive buffer, valid
/// until the iteration moves on (its connection reads nothing more until then, which is the backpressure). One object
/// per connection, reused for each of its frames. To keep a frame longer, <see cref="Detach"/> it.
/// </summary>
public sealed class ReceivedFrame : FrameView
{
    private readonly FrameConnection _connection;
    private readonly Baton _done = new();
    private ReadOnlyMemory<byte> _payload;
    private ReadOnlyMemory<byte> _metadata;
    private byte[] _scratch = [];
    private Message _message;
    private int _detached;
    private TaskCompletionSource? _drained;

    internal ReceivedFrame(FrameConnection connection)
        : base(connection) => _connection = connection;

    public override ReadOnlyMemory<byte> Payload => _payload;

    public override ReadOnlyMemory<byte> Metadata => _metadata;

    /// <summary>A copy that stays valid after the iteration moves on, until it is disposed (pooled memory).</summary>
    public DetachedFrame Detach()
    {
        Interlocked.Increment(ref _detached);
        return new DetachedFrame(_connection, PooledFrame.CopyOf(_message), this);
    }

    internal void OnDetachedDisposed()
    {
        if (Interlocked.Decrement(ref _detached) == 0)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    /// <summary>Ends when every frame detached from this connection has been disposed: their results have been sent.</summary>
    internal Task WhenDetachedDisposedAsync()
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        if (Volatile.Read(ref _detached) == 0)
        {
            drained.TrySetResult();
        }

        return drained.Task;
    }

    // A payload that arrived in one segment is used in place; one split across segments is joined in a buffer this
    // connection keeps, so the application always sees contiguous memory.
    internal ValueTask LoadAndWaitAsync(in Message message)
    {
        _message = message;
        Header = message.Frame;
        _metadata = Contiguous(message.Metadata, 0);
        _payload = Contiguous(message.Payload, (int)message.Metadata.Length);
        return _done.WaitAsync();
    }

    /// <summary>
    /// Set when the sender ended its stream: this object then goes through the queue once more as a marker, so that
    /// a batch being filled is delivered now instead of holding frames whose results the sender waits for.
    /// </summary>
    internal bool IsEndMarker { get; private set; }

    internal void MarkEnded() => IsEndMarker = true;

    /// <summary>The application is done with this frame: its connection may read the next.</summary>
    internal void Release() => _done.Pass();

    internal void Close()
    {
        Release();
        ReturnBuffers();
    }

    private ReadOnlyMemory<byte> Contiguous(ReadOnlySequence<byte> bytes, int scratchOffset)
    {
        if (bytes.IsSingleSegment)
        {
            return bytes.First;
        }

        int needed = scratchOffset + (int)bytes.Length;
        if (_scratch.Length < needed)
        {
            byte[] grown = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_scratch.Length * 2)));
            _scratch.AsSpan(0, scratchOffset).CopyTo(grown);
            _scratch = grown;
        }

        bytes.CopyTo(_scratch.AsSpan(scratchOffset));
        return _scratch.AsMemory(scratchOffset, (int)bytes.Length);
    }
}
