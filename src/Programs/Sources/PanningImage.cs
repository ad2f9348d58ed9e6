using RawFrames.Client;

namespace RawFrames.Programs.Sources;

/// <summary>
/// A still photo (JPEG, PNG, BMP or binary PPM) as a slow camera tilt: each frame is the image less
/// <see cref="PanPixels"/> rows, one row further down than the last, back and forth, so frames differ the way
/// natural video does. Frames are views into the decoded image, packed rows with no copy per frame.
/// </summary>
public sealed class PanningImage : IIndexedFrameSource
{
    public const int PanPixels = 64;

    private readonly byte[] _pixels;
    private readonly int _pan;

    private PanningImage(byte[] pixels, int imageWidth, int imageHeight, int pan)
    {
        _pixels = pixels;
        _pan = pan;
        Width = imageWidth;
        Height = imageHeight - pan;
        Stride = imageWidth * 3;
    }

    public int Width { get; }

    public int Height { get; }

    public int Stride { get; }

    public static PanningImage Load(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        (int width, int height, Action<byte[]> decode) = ImageFiles.Inspect(file, path);
        byte[] pixels = GC.AllocateUninitializedArray<byte>(checked(width * 3 * height));
        decode(pixels);
        // A picture too short to lose 64 rows is sent whole and still.
        return new PanningImage(pixels, width, height, height > 2 * PanPixels ? PanPixels : 0);
    }

    /// <summary>
    /// Uniform random pixels (fixed seed) as a panning image with frames of exactly <paramref name="width"/> x
    /// <paramref name="height"/>: the classic worst case for every codec, and unlike the noise of a Python benchmark
    /// it costs nothing per frame.
    /// </summary>
    public static PanningImage RandomNoise(int width, int height)
    {
        int imageHeight = height + PanPixels;
        byte[] pixels = GC.AllocateUninitializedArray<byte>(checked(width * 3 * imageHeight));
        new Random(20261121).NextBytes(pixels);
        return new PanningImage(pixels, width, imageHeight, PanPixels);
    }

    public PixelFormat PixelFormat => PixelFormat.Bgr24;

    public double NativeFps => 0;

    public ValueTask<ReadOnlyMemory<byte>?> ReadAsync(ulong sequence, CancellationToken cancellationToken) => new(Frame(sequence));

    public void Dispose()
    {
        // Views of memory the garbage collector owns; the synthetic tape is shared between users.
    }

    public ReadOnlyMemory<byte> Frame(ulong sequence)
    {
        int offset = 0;
        if (_pan > 0)
        {
            int phase = (int)(sequence % (ulong)(2 * _pan));
            offset = phase < _pan ? phase : (2 * _pan) - phase; // triangle wave: down, then back
        }

        return _pixels.AsMemory(offset * Stride, Stride * Height);
    }
}
