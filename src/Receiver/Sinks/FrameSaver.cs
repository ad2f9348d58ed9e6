using System.Buffers;
using System.Globalization;
using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Cli;

namespace RawFrames.Receiver.Sinks;

/// <summary>
/// Writes every Nth received frame to a folder: compressed payloads as they are (.jpg, .png, .bmp), raw BGR24/RGB24 as
/// binary PPM (viewable anywhere, row padding dropped), other raw formats as .raw with the geometry in the name.
/// </summary>
internal sealed class FrameSaver
{
    private readonly string _directory;
    private readonly int _every;
    private long _seen;

    private FrameSaver(string directory, int every)
    {
        _directory = directory;
        _every = every;
    }

    /// <summary>A saver writing into <paramref name="directory"/>, made if missing; a folder that cannot be made is a usage error.</summary>
    public static FrameSaver Create(string directory, int every)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw RunFailedException.Usage($"--save {directory}: cannot make the folder: {e.Message}");
        }

        return new FrameSaver(directory, every);
    }

    public long Saved { get; private set; }

    /// <summary>
    /// Why saving stopped (a file that could not be written: a full disk, a folder removed), or null. The frames go
    /// on to the other sinks; the run reports the failure at its end.
    /// </summary>
    public string? Failure { get; private set; }

    /// <summary>Saves the frame if it is one of every Nth; returns the file written, or null.</summary>
    /// <param name="header">The frame's header, with the stream id the frame is known by (StreamIds).</param>
    public string? Offer(FrameInfo header, ReadOnlySpan<byte> payload)
    {
        if (Failure is not null || (Interlocked.Increment(ref _seen) - 1) % _every != 0)
        {
            return null;
        }

        try
        {
            return Save(header, payload);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Failure = $"cannot write into {_directory}: {e.Message}";
            return null;
        }
    }

    private string Save(FrameInfo header, ReadOnlySpan<byte> payload)
    {
        string stem = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"stream{header.StreamId}-{header.Sequence:D10}"));
        string path = header.Codec switch
        {
            Codec.Jpeg or Codec.YuvJpeg => stem + ".jpg",
            Codec.Png => stem + ".png",
            Codec.Bmp => stem + ".bmp",
            Codec.Raw when header.PixelFormat is PixelFormat.Bgr24 or PixelFormat.Rgb24 => stem + ".ppm",
            _ => string.Create(CultureInfo.InvariantCulture, $"{stem}-{header.PixelFormat}-{header.Width}x{header.Height}-stride{header.Stride}.raw"),
        };
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
        {
            if (Path.GetExtension(path) == ".ppm")
            {
                WritePpm(file, header, payload);
            }
            else
            {
                file.Write(payload);
            }
        }

        Saved++;
        return path;
    }

    private static void WritePpm(Stream file, FrameInfo header, ReadOnlySpan<byte> payload)
    {
        file.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P6\n{header.Width} {header.Height}\n255\n")));
        int rowBytes = header.Width * 3;
        byte[] row = ArrayPool<byte>.Shared.Rent(rowBytes);
        try
        {
            for (int y = 0; y < header.Height; y++)
            {
                payload.Slice(y * header.Stride, rowBytes).CopyTo(row);
                if (header.PixelFormat == PixelFormat.Bgr24)
                {
                    // PPM is R,G,B.
                    for (int x = 0; x < rowBytes; x += 3)
                    {
                        (row[x], row[x + 2]) = (row[x + 2], row[x]);
                    }
                }

                file.Write(row, 0, rowBytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(row);
        }
    }
}
