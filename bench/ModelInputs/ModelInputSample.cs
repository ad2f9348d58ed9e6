using System.Text;
using RawFrames.Bench.Content;
using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Bench.ModelInputs;

/// <summary>
/// One frame both pipelines are given, the same bytes: a JPEG at q80 4:2:0 (made by RawFrames' encoder) or raw BGR24
/// pixels, kept in a file the Python side reads (.jpg, or .npy for pixels).
/// </summary>
internal sealed record ModelInputSample(string Label, FrameInfo Info, byte[] Payload, string File)
{
    public bool IsJpeg => Info.Codec == Codec.Jpeg;

    public static IReadOnlyList<ModelInputSample> All(string folder) =>
    [
        Jpeg("1080p photo, JPEG q80", FrameContent.Get(ContentKind.Photo1080), folder, "photo1080.jpg"),
        Jpeg("1000x1000 noise, JPEG q80", FrameContent.Get(ContentKind.Noise1000), folder, "noise1000.jpg"),
        Raw("1000x1000 noise, raw BGR24", FrameContent.Get(ContentKind.Noise1000), folder, "noise1000.npy"),
    ];

    private static ModelInputSample Jpeg(string label, FrameContent content, string folder, string name)
    {
        using var encoder = new JpegEncoder(80, ChromaSubsampling.S420);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(content.Width, content.Height)];
        int length = encoder.Encode(content.Bgr.AsSpan(0, content.Stride * content.Height), content.Width, content.Height, content.Stride, jpeg);
        string path = Path.Combine(folder, name);
        System.IO.File.WriteAllBytes(path, jpeg[..length]);
        return new(label, FrameInfo.Encoded(Codec.Jpeg, PixelFormat.Bgr24, content.Width, content.Height, 0, 0, 0), jpeg[..length], path);
    }

    private static ModelInputSample Raw(string label, FrameContent content, string folder, string name)
    {
        byte[] pixels = content.Bgr[..(content.Stride * content.Height)];
        string path = Path.Combine(folder, name);
        WriteNpy(path, pixels, content.Height, content.Width);
        return new(label, FrameInfo.Raw(FrameFormat.Bgr24(content.Width, content.Height), 0, 0, 0), pixels, path);
    }

    /// <summary>A numpy .npy file (format 1.0) of H x W x 3 uint8.</summary>
    private static void WriteNpy(string path, byte[] pixels, int height, int width)
    {
        string header = $"{{'descr': '|u1', 'fortran_order': False, 'shape': ({height}, {width}, 3), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (total % 64)) % 64)) + "\n";
        using FileStream file = System.IO.File.Create(path);
        file.Write([0x93, .. "NUMPY"u8, 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(pixels);
    }

    /// <summary>A float32 .npy file's values (the Python pipeline's tensor).</summary>
    public static float[] ReadNpyFloats(string path)
    {
        byte[] file = System.IO.File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(file, 8);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.AsSpan(10 + headerLength)).ToArray();
    }
}
