namespace RawFrames.Programs.Sources;

/// <summary>
/// Frame buffers used in rotation by a source that fills them: with one more buffer than frames in flight, the
/// buffer handed out next is never one a caller is still reading. Allocated once; steady state allocates nothing.
/// </summary>
public sealed class BufferRing(int framesInFlight, int frameBytes)
{
    private readonly byte[][] _buffers = Enumerable.Range(0, Math.Max(1, framesInFlight) + 1)
        .Select(_ => GC.AllocateUninitializedArray<byte>(frameBytes))
        .ToArray();

    private int _next;

    public int FrameBytes { get; } = frameBytes;

    public byte[] Next()
    {
        byte[] buffer = _buffers[_next];
        _next = (_next + 1) % _buffers.Length;
        return buffer;
    }
}
