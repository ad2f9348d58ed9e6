using System.Buffers;
using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport.SharedMemory;

/// <summary>
/// A consumer's side of PROTOCOL.md §15 on one connection: maps the announced ring and turns each SHARED_FRAME into
/// the FRAME it stands for, with the payload read in place from the slot. The slot is held until the application
/// asks for the next message, then given back with RELEASE.
/// </summary>
internal sealed class SharedMemoryConsumer : IDisposable
{
    private SharedMemoryRing? _ring;
    private int _held = -1;

    public RingAnnouncement? Ring => _ring?.Announcement;

    public void OnRing(RingAnnouncement announcement)
    {
        if (_ring is not null)
        {
            ProtocolException.Throw(ErrorCode.UnexpectedMessage, "RING may only be sent once per connection");
        }

        _ring = SharedMemoryRing.Open(announcement);
    }

    /// <summary>The FRAME a SHARED_FRAME stands for, its payload a view of the slot, valid until <see cref="TakeHeld"/>.</summary>
    public Message ToFrame(in Message shared)
    {
        if (_ring is not { } ring)
        {
            throw new ProtocolException(ErrorCode.UnexpectedMessage, "SHARED_FRAME before RING");
        }

        SlotReference reference = shared.Slot;
        if (reference.Slot >= ring.SlotCount || reference.PayloadLength > ring.SlotSize)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                $"SHARED_FRAME names {reference.PayloadLength} bytes of slot {reference.Slot}; the ring has {ring.SlotCount} slots of {ring.SlotSize}");
        }

        _held = reference.Slot;
        return shared.AsFrameWithPayload(new ReadOnlySequence<byte>(ring.Slot(reference.Slot)[..(int)reference.PayloadLength]));
    }

    /// <summary>The slot the last frame was read from, to be released now; -1 when none is held.</summary>
    public int TakeHeld()
    {
        int held = _held;
        _held = -1;
        return held;
    }

    public void Dispose() => _ring?.Dispose();
}
