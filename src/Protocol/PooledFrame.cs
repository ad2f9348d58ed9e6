using System.Buffers;
using System.Collections.Concurrent;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>
/// A frame copied out of the reader's buffer into pooled contiguous memory, for consumers that keep a frame past the
/// next read (a queue, another thread) or need one pointer for native code. Exactly one owner: dispose it once, and
/// the instance and its buffer go back to their pools. Steady state allocates nothing.
/// </summary>
internal sealed class PooledFrame : IDisposable
{
    private static readonly ConcurrentBag<PooledFrame> s_instances = [];
    private byte[] _buffer = [];
    private int _metadataLength;
    private int _payloadLength;
    private bool _rented;

    private PooledFrame()
    {
    }

    public FrameHeader Header { get; private set; }

    public ReadOnlyMemory<byte> Metadata => _buffer.AsMemory(0, _metadataLength);

    /// <summary>The payload; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Payload => _buffer.AsMemory(_metadataLength, _payloadLength);

    /// <summary>Copies a FRAME message; the message itself stays valid only until the next read.</summary>
    public static PooledFrame CopyOf(in Message message)
    {
        if (message.Type != MessageType.Frame)
        {
            throw new ArgumentException($"only FRAME messages can be copied, not {message.Type}", nameof(message));
        }

        PooledFrame frame = s_instances.TryTake(out PooledFrame? reused) ? reused : new PooledFrame();
        int metadataLength = (int)message.Metadata.Length;
        int payloadLength = (int)message.Payload.Length;
        frame._buffer = ArrayPool<byte>.Shared.Rent(metadataLength + payloadLength);
        frame._rented = true;
        message.Metadata.CopyTo(frame._buffer);
        message.Payload.CopyTo(frame._buffer.AsSpan(metadataLength));
        frame._metadataLength = metadataLength;
        frame._payloadLength = payloadLength;
        frame.Header = message.Frame;
        return frame;
    }

    public void Dispose()
    {
        if (!_rented)
        {
            return;
        }

        _rented = false;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        s_instances.Add(this);
    }
}
