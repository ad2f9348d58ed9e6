using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Programs.Sources;

/// <summary>
/// Raw frames of a fixed size, one after another in a byte stream with nothing between them: what an ffmpeg child
/// writes with <c>-f rawvideo</c>, or what any program pipes into <c>rawframes-send --source stdin:...</c>. Frames
/// that the reader skips (the latest policy) are read and discarded, so the writer is never left behind.
/// </summary>
public sealed class StreamFrameSource : IFrameSource
{
    private readonly Stream _stream;
    private readonly BufferRing _ring;
    private readonly string _name;
    private readonly IDisposable? _owner;
    private readonly Func<string?>? _endProblem;
    private ulong? _position;

    /// <param name="name">Names the stream in errors, e.g. "standard input".</param>
    /// <param name="owner">Disposed with the source, e.g. the process writing the stream.</param>
    /// <param name="endProblem">Asked at the end of the stream whether the writer failed (a message) or just finished (null).</param>
    public StreamFrameSource(Stream stream, int width, int height, PixelFormat pixelFormat, double nativeFps, int framesInFlight, string name,
        IDisposable? owner = null, Func<string?>? endProblem = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        _stream = stream;
        _name = name;
        _owner = owner;
        _endProblem = endProblem;
        Width = width;
        Height = height;
        PixelFormat = pixelFormat;
        NativeFps = nativeFps;
        Stride = PackedStride(pixelFormat, width);
        _ring = new BufferRing(framesInFlight, checked((int)PixelLayout.RawPayloadSize(pixelFormat, width, height, Stride)));
    }

    public int Width { get; }

    public int Height { get; }

    public int Stride { get; }

    public PixelFormat PixelFormat { get; }

    public double NativeFps { get; }

    /// <summary>Bytes of one frame in the stream.</summary>
    public int FrameBytes => _ring.FrameBytes;

    /// <summary>Frames read from the stream, skipped ones included.</summary>
    public long FramesRead { get; private set; }

    /// <summary>Bytes per row of a frame with no padding: what ffmpeg's rawvideo writes.</summary>
    public static int PackedStride(PixelFormat pixelFormat, int width) => pixelFormat switch
    {
        PixelFormat.Bgr24 or PixelFormat.Rgb24 => checked(width * 3),
        PixelFormat.Bgra32 => checked(width * 4),
        _ => width, // Gray8 and the planar formats: the Y plane's stride
    };

    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(ulong sequence, CancellationToken cancellationToken)
    {
        // The stream's first frame is whatever sequence is asked for first.
        _position ??= sequence;
        if (sequence < _position)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), $"frame {sequence} was asked for after frame {_position - 1}");
        }

        // Skipped frames are read into the same buffer: the ring advances once per frame handed out.
        byte[] buffer = _ring.Next();
        while (true)
        {
            int read = await _stream.ReadAtLeastAsync(buffer.AsMemory(0, FrameBytes), FrameBytes, throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
            {
                return _endProblem?.Invoke() is { } problem ? throw new IOException($"{_name}: {problem}") : null;
            }

            if (read < FrameBytes)
            {
                throw new EndOfStreamException(
                    $"{_name} ended in the middle of frame {FramesRead}: {read} of {FrameBytes} bytes ({Width}x{Height} {PixelFormat}); the frames before it were sent");
            }

            FramesRead++;
            if (_position++ == sequence)
            {
                return buffer.AsMemory(0, FrameBytes);
            }
        }
    }

    public void Dispose()
    {
        _owner?.Dispose();
        _stream.Dispose();
    }
}
