using System.Collections.Concurrent;
using RawFrames.Client;

namespace RawFrames.Programs.Sources;

/// <summary>
/// The built-in test source: a moving BGR24 pattern in which frame N can be regenerated from N alone.
/// </summary>
/// <remarks>
/// Every frame is a window into one precomputed byte tape, so producing a frame costs no pixel work and no copy:
/// frame N starts at pixel <c>(N * Step) mod Period</c> of the tape and spans <c>stride * height</c> bytes. Each tape
/// pixel's colour is its own 24-bit index, so two windows that start at different pixels differ in their first pixel:
/// frames within one period (2^20 frames, 19 minutes at 900 fps) all differ, for frames up to 15.7 million pixels.
/// The pattern moves <see cref="Step"/> pixels per frame (about four rows on a 1080p frame).
/// </remarks>
public sealed class SyntheticPattern : IIndexedFrameSource
{
    /// <summary>Distinct frames before the pattern repeats.</summary>
    public const int Period = 1 << 20;

    /// <summary>Pixels the pattern moves per frame; odd, so it visits every offset of the period.</summary>
    public const int Step = 7919;

    private static readonly ConcurrentDictionary<(int, int, int), SyntheticPattern> s_cache = new();
    private readonly byte[] _tape;

    private SyntheticPattern(int width, int height, int stride)
    {
        Width = width;
        Height = height;
        Stride = stride;
        FrameBytes = checked(stride * height);
        _tape = GC.AllocateUninitializedArray<byte>(checked(FrameBytes + (Period * 3)));
        // Whole pixels first; a stride that is not a multiple of 3 leaves up to 2 tail bytes, filled with the next index.
        for (int pixel = 0, offset = 0; offset < _tape.Length; pixel++, offset += 3)
        {
            int colour = pixel & 0xFFFFFF;
            _tape[offset] = (byte)colour;
            if (offset + 1 < _tape.Length)
            {
                _tape[offset + 1] = (byte)(colour >> 8);
            }

            if (offset + 2 < _tape.Length)
            {
                _tape[offset + 2] = (byte)(colour >> 16);
            }
        }
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Bytes per row; at least <c>Width * 3</c>.</summary>
    public int Stride { get; }

    /// <summary>Payload bytes of one frame: <c>Stride * Height</c>.</summary>
    public int FrameBytes { get; }

    /// <summary>The shared pattern for a geometry (built once, about 3 MiB more than one frame).</summary>
    public static SyntheticPattern For(int width, int height, int stride = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        stride = stride == 0 ? width * 3 : stride;
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * 3);
        return s_cache.GetOrAdd((width, height, stride), static key => new SyntheticPattern(key.Item1, key.Item2, key.Item3));
    }

    public PixelFormat PixelFormat => PixelFormat.Bgr24;

    public double NativeFps => 0;

    public ValueTask<ReadOnlyMemory<byte>?> ReadAsync(ulong sequence, CancellationToken cancellationToken) => new(Frame(sequence));

    public void Dispose()
    {
        // Views of memory the garbage collector owns; the synthetic tape is shared between users.
    }

    /// <summary>Frame <paramref name="sequence"/>: a read-only window of the shared tape, never to be written.</summary>
    public ReadOnlyMemory<byte> Frame(ulong sequence)
    {
        int startPixel = (int)(sequence * Step % Period);
        return new ReadOnlyMemory<byte>(_tape, startPixel * 3, FrameBytes);
    }
}
