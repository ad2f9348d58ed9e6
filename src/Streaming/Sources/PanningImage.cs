using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RawFrames.Codecs;

namespace RawFrames.Streaming.Sources;

/// <summary>
/// A still photo (JPEG, PNG, BMP or binary PPM) as a slow camera tilt: each frame is the image less
/// <see cref="PanPixels"/> rows, one row further down than the last, back and forth, so frames differ the way
/// natural video does. Frames are views into the decoded image, packed rows with no copy per frame.
/// </summary>
public sealed class PanningImage : IFrameSource
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
        (int width, int height, Action<byte[]> decode) = Inspect(file, path);
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

    private static (int Width, int Height, Action<byte[]> Decode) Inspect(byte[] file, string path)
    {
        ReadOnlySpan<byte> head = file;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]))
        {
            var decoder = new JpegDecoder();
            (int w, int h, _) = decoder.ReadHeader(file);
            return (w, h, pixels =>
            {
                using (decoder)
                {
                    decoder.DecodeToBgr(file, pixels, w, h, w * 3);
                }
            });
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']) && file.Length >= 24)
        {
            int w = BinaryPrimitives.ReadInt32BigEndian(head[16..]);
            int h = BinaryPrimitives.ReadInt32BigEndian(head[20..]);
            return (w, h, pixels =>
            {
                using var png = new PngCodec();
                png.DecodeToBgr(file, pixels, w, h, w * 3);
            });
        }

        if (head.StartsWith("BM"u8) && file.Length >= BmpCodec.HeaderSize)
        {
            int w = BinaryPrimitives.ReadInt32LittleEndian(head[18..]);
            int h = Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(head[22..]));
            return (w, h, pixels => BmpCodec.DecodeToBgr(file, pixels, w, h, w * 3));
        }

        if (head.StartsWith("P6"u8))
        {
            return InspectPpm(file, path);
        }

        throw new FormatException($"{path}: not a JPEG, PNG, BMP or binary PPM (P6) image");
    }

    // Binary PPM: "P6", width, height, maxval 255 as ASCII separated by white space, one byte, then R,G,B rows.
    private static (int, int, Action<byte[]>) InspectPpm(byte[] file, string path)
    {
        string text = Encoding.ASCII.GetString(file, 0, Math.Min(file.Length, 64));
        string[] fields = text.Split((char[])[' ', '\n', '\r', '\t'], 5, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[3] != "255")
        {
            throw new FormatException($"{path}: only 8-bit binary PPM (P6, maxval 255) is supported");
        }

        int w = int.Parse(fields[1], CultureInfo.InvariantCulture);
        int h = int.Parse(fields[2], CultureInfo.InvariantCulture);
        int start = file.Length - (w * h * 3);
        if (start < 7)
        {
            throw new FormatException($"{path}: the PPM holds fewer than {w}x{h} pixels");
        }

        return (w, h, pixels =>
        {
            for (int i = 0; i < w * h; i++)
            {
                pixels[(i * 3) + 0] = file[start + (i * 3) + 2];
                pixels[(i * 3) + 1] = file[start + (i * 3) + 1];
                pixels[(i * 3) + 2] = file[start + (i * 3) + 0];
            }
        });
    }
}
