using RawFrames.Programs.Sources;

namespace RawFrames.Tests.Support;

/// <summary>Deterministic BGR24 test content that compresses like a photo: smooth gradients with a few soft shapes.</summary>
internal static class TestImages
{
    public static byte[] Smooth(int width, int height, int stride = 0)
    {
        stride = stride == 0 ? width * 3 : stride;
        byte[] image = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double dx = x - (width * 0.6);
                double dy = y - (height * 0.4);
                double disc = Math.Exp(-((dx * dx) + (dy * dy)) / (2.0 * width * width / 25));
                int offset = (y * stride) + (x * 3);
                image[offset] = (byte)(255.0 * x / width);
                image[offset + 1] = (byte)(255.0 * y / height);
                image[offset + 2] = (byte)(40 + (200 * disc));
            }
        }

        return image;
    }

    /// <summary>Frames 0 to <paramref name="frames"/> - 1 of the synthetic pattern, rows without padding, one after another.</summary>
    public static byte[] PackedPattern(int width, int height, int stride, int frames)
    {
        SyntheticPattern pattern = SyntheticPattern.For(width, height, stride);
        var packed = new List<byte>();
        for (ulong sequence = 0; sequence < (ulong)frames; sequence++)
        {
            ReadOnlySpan<byte> frame = pattern.Frame(sequence).Span;
            for (int row = 0; row < height; row++)
            {
                packed.AddRange(frame.Slice(row * stride, width * 3));
            }
        }

        return [.. packed];
    }
}
