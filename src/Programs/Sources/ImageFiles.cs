using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RawFrames.Codecs;

namespace RawFrames.Programs.Sources;

/// <summary>Still images a source can read: JPEG, PNG, BMP and binary PPM, decoded to BGR24.</summary>
public static class ImageFiles
{
    /// <summary>File name extensions of the formats <see cref="Inspect"/> reads.</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".ppm" };

    /// <summary>
    /// The geometry of an image file and how to decode it: the returned action writes packed BGR24 rows into a buffer
    /// of <c>Width * 3 * Height</c> bytes.
    /// </summary>
    public static (int Width, int Height, Action<byte[]> Decode) Inspect(byte[] file, string path)
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
