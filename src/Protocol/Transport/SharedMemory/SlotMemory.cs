using System.Buffers;

namespace RawFrames.Protocol.Transport.SharedMemory;

/// <summary>One ring slot as <see cref="Memory{T}"/>: a window on mapped memory that the ring keeps mapped.</summary>
internal sealed unsafe class SlotMemory(byte* start, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new(start, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(start + elementIndex);

    public override void Unpin()
    {
        // Mapped memory never moves.
    }

    protected override void Dispose(bool disposing)
    {
        // The ring unmaps.
    }
}
