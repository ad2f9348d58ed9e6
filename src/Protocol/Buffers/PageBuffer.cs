using System.Buffers;

namespace RawFrames.Protocol.Buffers;

/// <summary>
/// A buffer of private anonymous pages outside the GC heap, given back to the system the moment it is disposed: for
/// frames a process holds only while a peer is slow (a relay's queue for a stalled subscriber), whose memory must not
/// stay with the process after the burst. Not pooled here; the owner decides how many to keep.
/// </summary>
internal sealed unsafe class PageBuffer : MemoryManager<byte>
{
    private void* _address;

    /// <exception cref="InsufficientMemoryException">The system has no pages to give.</exception>
    public PageBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        _address = Interop.Libc.MapPages((nuint)length);
        if (_address is null)
        {
            throw new InsufficientMemoryException($"the system gave no memory for a frame buffer of {length:N0} bytes");
        }

        Length = length;
    }

    public int Length { get; }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_address is null, this);
        return new Span<byte>(_address, Length);
    }

    // The pages never move: pinning is free.
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_address is null, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)Length, nameof(elementIndex));
        return new MemoryHandle((byte*)_address + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_address is not null)
        {
            Interop.Libc.UnmapPages(_address, (nuint)Length);
            _address = null;
        }
    }
}
