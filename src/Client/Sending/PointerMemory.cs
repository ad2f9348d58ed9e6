using System.Buffers;

namespace RawFrames.Client;

/// <summary>
/// Unmanaged memory (a pointer and a length) as <see cref="Memory{T}"/>, for one send at a time: the sender rewraps
/// this one instance under its send lock, so sending from a pointer allocates nothing. The memory must outlive every
/// use of what <see cref="Wrap"/> returned; nothing is freed here.
/// </summary>
public sealed unsafe class PointerMemory : MemoryManager<byte>
{
    private byte* _pointer;
    private int _length;

    /// <summary>This instance as <paramref name="length"/> bytes at <paramref name="address"/>; the previous wrap is gone.</summary>
    public Memory<byte> Wrap(nint address, int length)
    {
        _pointer = (byte*)address;
        _length = length;
        return length == 0 ? Memory<byte>.Empty : Memory;
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan() => new(_pointer, _length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
    }
}
