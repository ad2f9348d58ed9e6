using System.Buffers;
using RawFrames.Client;

namespace RawFrames.Viewer;

/// <summary>
/// One published JPEG, shared by every viewer that sends it: a pooled buffer with a reference count, so a viewer
/// still writing an older frame keeps it alive while newer ones are published, and no frame is copied per viewer.
/// </summary>
public sealed class SharedJpeg
{
    private readonly byte[] _buffer;
    private int _references = 1;

    private SharedJpeg(byte[] buffer, int length, long version, FrameInfo header, byte[]? metadata)
    {
        _buffer = buffer;
        Metadata = metadata ?? [];
        Length = length;
        Version = version;
        Header = header with { Stride = 0 };
    }

    public ReadOnlyMemory<byte> Bytes => _buffer.AsMemory(0, Length);

    public int Length { get; }

    /// <summary>Counts the JPEGs published on its stream: a viewer that sees version N after M skipped N - M - 1.</summary>
    public long Version { get; }

    /// <summary>The frame's sequence number on the wire.</summary>
    public ulong Sequence => Header.Sequence;

    /// <summary>
    /// This JPEG as PROTOCOL.md §6 describes a frame: codec JPEG (or YUV-JPEG as it arrived), its own width and height
    /// (a scaled one's are smaller), the stream id it is shown under, the sender's sequence number and capture time.
    /// </summary>
    public FrameInfo Header { get; }

    /// <summary>The frame's metadata as it arrived (e.g. its detections, PROTOCOL.md §20): the page draws them on this frame.</summary>
    public byte[] Metadata { get; }

    /// <summary>A JPEG of <paramref name="length"/> bytes written by <paramref name="fill"/> into a pooled buffer of <paramref name="capacity"/>.</summary>
    public static SharedJpeg Create(int capacity, long version, FrameInfo header, Func<byte[], int> fill, byte[]? metadata = null)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(capacity);
        try
        {
            return new SharedJpeg(buffer, fill(buffer), version, header, metadata);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>A copy of a JPEG payload as it arrived.</summary>
    public static SharedJpeg Create(ReadOnlySpan<byte> jpeg, long version, FrameInfo header, byte[]? metadata = null)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(jpeg.Length);
        jpeg.CopyTo(buffer);
        return new SharedJpeg(buffer, jpeg.Length, version, header, metadata);
    }

    /// <summary>Takes a reference; false when the last one was already released (the caller must look again).</summary>
    public bool TryAddReference()
    {
        int seen;
        do
        {
            seen = Volatile.Read(ref _references);
            if (seen == 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _references, seen + 1, seen) != seen);

        return true;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
