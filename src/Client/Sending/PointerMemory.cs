using System.Buffers;

namespace RawFrames.Client.Sending;

/// <summary>
/// Unmanaged memory (a pointer and a length) as <see cref="Memory{T}"/>, for one send at a time: the sender rewraps
/// this one instance under its send lock, so sending from a pointer allocates nothing.
/// </summary>
internal sealed unsafe class PointerMemory : MemoryManager<byte>
{
    private byte* _pointer;
    private int _length;

    public Memory<byte> Wrap(nint pointer, int length)
    {
        _pointer = (byte*)pointer;
        _length = length;
        return length == 0 ? Memory<byte>.Empty : Memory;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
