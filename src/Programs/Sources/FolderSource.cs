using RawFrames.Client;

namespace RawFrames.Programs.Sources;

/// <summary>
/// The images of a folder (JPEG, PNG, BMP, PPM) in name order, looping: frame N is image N mod count, decoded when it
/// is read, so memory stays at a few frames however many images there are. Every image must have the first one's size.
/// </summary>
public sealed class FolderSource : IFrameSource
{
    private readonly string[] _files;
    private readonly BufferRing _ring;

    private FolderSource(string[] files, int width, int height, int framesInFlight)
    {
        _files = files;
        Width = width;
        Height = height;
        Stride = width * 3;
        _ring = new BufferRing(framesInFlight, checked(Stride * height));
    }

    public int Width { get; }

    public int Height { get; }

    public int Stride { get; }

    public PixelFormat PixelFormat => PixelFormat.Bgr24;

    public double NativeFps => 0;

    /// <summary>The images, in the order they are sent.</summary>
    public IReadOnlyList<string> Files => _files;

    public static FolderSource Open(string directory, int framesInFlight)
    {
        if (!Directory.Exists(directory))
        {
            throw new IOException($"folder source: no such directory {directory}");
        }

        string[] files = Directory.EnumerateFiles(directory)
            .Where(file => ImageFiles.Extensions.Contains(Path.GetExtension(file)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new IOException($"folder source: {directory} holds no {string.Join(", ", ImageFiles.Extensions)} images");
        }

        (int width, int height, _) = ImageFiles.Inspect(File.ReadAllBytes(files[0]), files[0]);
        return new FolderSource(files, width, height, framesInFlight);
    }

    public ValueTask<ReadOnlyMemory<byte>?> ReadAsync(ulong sequence, CancellationToken cancellationToken)
    {
        string path = _files[(int)(sequence % (ulong)_files.Length)];
        (int width, int height, Action<byte[]> decode) = ImageFiles.Inspect(File.ReadAllBytes(path), path);
        if (width != Width || height != Height)
        {
            throw new FormatException($"folder source: {path} is {width}x{height}, but {_files[0]} set the stream's size to {Width}x{Height}");
        }

        byte[] buffer = _ring.Next();
        decode(buffer);
        return new(buffer.AsMemory(0, _ring.FrameBytes));
    }

    public void Dispose()
    {
        // Only managed buffers.
    }
}
