using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport.SharedMemory;

/// <summary>
/// A producer's side of PROTOCOL.md §15 on one connection: the ring is created with the first frame and announced
/// with RING; each frame is copied once into a free slot and announced with SHARED_FRAME; RELEASE frees the slot.
/// </summary>
internal sealed class SharedMemoryProducer : IDisposable
{
    private readonly MessageWriter _writer;
    private readonly int _slotCount;
    private readonly int _slotSizeHint;
    private readonly int _maxSlotSize;
    private readonly SemaphoreSlim _setup = new(1, 1);
    private SharedMemoryRing? _ring;
    private FreeSlots? _free;
    private string? _failure;

    /// <param name="maxSlotSize">The consumer's maximum message length: a slot never holds more than it accepts.</param>
    public SharedMemoryProducer(MessageWriter writer, int slotCount, int slotSizeHint, int maxSlotSize)
    {
        _writer = writer;
        _slotCount = slotCount;
        _slotSizeHint = slotSizeHint;
        _maxSlotSize = maxSlotSize / RingAnnouncement.SlotAlignment * RingAnnouncement.SlotAlignment;
    }

    public RingAnnouncement? Ring => _ring?.Announcement;

    /// <summary>
    /// True when the payload can go through the ring: it fits a slot (or the first frame will size the slots). A
    /// payload larger than the slots goes as an ordinary FRAME, which §15.3 allows at any time.
    /// </summary>
    public bool Fits(int payloadLength) => _ring is { } ring ? payloadLength <= ring.SlotSize : payloadLength <= _maxSlotSize;

    /// <summary>Copies the payload into a free slot (waiting for one) and announces it.</summary>
    public async ValueTask SendAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        (int slot, Memory<byte> memory) = await RentAsync(payload.Length, cancellationToken).ConfigureAwait(false);
        payload.Span.CopyTo(memory.Span);
        await SendRentedAsync(slot, header, metadata, payload.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lends a free slot (waiting for one) for the caller to write a payload of <paramref name="length"/> bytes into.</summary>
    public async ValueTask<FrameLoan> LoanAsync(int length, CancellationToken cancellationToken)
    {
        (int slot, Memory<byte> memory) = await RentAsync(length, cancellationToken).ConfigureAwait(false);
        return new FrameLoan(this, slot, memory);
    }

    /// <summary>Announces a rented slot's payload; on failure the slot is free again.</summary>
    internal async ValueTask SendRentedAsync(int slot, FrameHeader header, ReadOnlyMemory<byte> metadata, int length, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.WriteSharedFrameAsync(header, metadata, new SlotReference(slot, length), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _free!.Return(slot); // never announced (or the connection is gone and the ring with it)
            throw;
        }
    }

    /// <summary>A rented slot that was never announced.</summary>
    internal void ReturnRented(int slot) => _free?.Return(slot);

    private async ValueTask<(int Slot, Memory<byte> Memory)> RentAsync(int length, CancellationToken cancellationToken)
    {
        (SharedMemoryRing ring, FreeSlots free) = _ring is { } r ? (r, _free!) : await CreateRingAsync(length, cancellationToken).ConfigureAwait(false);
        int slot = await free.RentAsync(cancellationToken).ConfigureAwait(false);
        return (slot, ring.Slot(slot)[..length]);
    }

    /// <summary>The consumer's RELEASE; a slot that holds no frame is the consumer's protocol error.</summary>
    public void OnRelease(int slot)
    {
        if (_free is null || !_free.Return(slot))
        {
            throw new ProtocolException(ErrorCode.UnexpectedMessage, $"RELEASE of slot {slot}, which holds no frame");
        }
    }

    /// <summary>The connection is gone: a send waiting for a slot fails now instead of waiting for a RELEASE that cannot come.</summary>
    public void Fail(string reason)
    {
        _failure ??= reason;
        _free?.Fail(reason);
    }

    public void Dispose()
    {
        Fail("the connection is closed");
        _ring?.Dispose();
        _free?.Dispose();
        _setup.Dispose();
    }

    private async ValueTask<(SharedMemoryRing, FreeSlots)> CreateRingAsync(int firstPayload, CancellationToken cancellationToken)
    {
        await _setup.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ring is null)
            {
                int wanted = Math.Max(Math.Max(firstPayload, _slotSizeHint), 1);
                int slotSize = (int)Math.Min(_maxSlotSize, ((long)wanted + RingAnnouncement.SlotAlignment - 1) / RingAnnouncement.SlotAlignment * RingAnnouncement.SlotAlignment);
                SharedMemoryRing ring = SharedMemoryRing.Create(_slotCount, slotSize);
                var free = new FreeSlots(_slotCount);
                if (_failure is not null)
                {
                    free.Fail(_failure);
                }

                try
                {
                    await _writer.WriteRingAsync(ring.Announcement, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    ring.Dispose();
                    free.Dispose();
                    throw;
                }

                (_free, _ring) = (free, ring);
            }

            return (_ring, _free!);
        }
        finally
        {
            _setup.Release();
        }
    }
}
