using System.Runtime.Intrinsics;
using RawFrames.Client;

namespace RawFrames.Codecs;

/// <summary>
/// The last pass: scaled B,G,R,A pixels (the content) and the border into the tensor, channel order, layout and
/// element type in one sweep over the output. The float planar case, the common one, takes eight pixels a step.
/// </summary>
internal static unsafe class TensorWriter
{
    public static void Write(TensorSpec spec, in TensorPlacement place, byte* content, int contentStride, byte* output)
    {
        // Byte offsets of the tensor's channels 0, 1, 2 within a B,G,R,A pixel.
        Span<int> source = stackalloc int[3];
        (source[0], source[1], source[2]) = spec.Order == ChannelOrder.Rgb ? (2, 1, 0) : (0, 1, 2);
        if (spec.Element == TensorElement.UInt8)
        {
            WriteBytes(spec, place, content, contentStride, output, source);
            return;
        }

        // value / 255, then (value - mean) / std: divisions, as numpy and torchvision compute it, so that the values are theirs to the bit.
        Span<float> mean = stackalloc float[3];
        Span<float> std = stackalloc float[3];
        for (int c = 0; c < 3; c++)
        {
            mean[c] = spec.Mean?[c] ?? 0f;
            std[c] = spec.Std?[c] ?? 1f;
        }

        if (spec.Layout == TensorLayout.Chw)
        {
            WritePlanarFloats(spec, place, content, contentStride, (float*)output, source, mean, std);
        }
        else
        {
            WriteInterleavedFloats(spec, place, content, contentStride, (float*)output, mean, std);
        }
    }

    private static float Normalise(int value, float mean, float std) => ((value / 255f) - mean) / std;

    private static void WritePlanarFloats(TensorSpec spec, in TensorPlacement place, byte* content, int contentStride, float* output,
        ReadOnlySpan<int> source, ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        int width = spec.Width;
        int planeSize = width * spec.Height;
        for (int c = 0; c < 3; c++)
        {
            float* plane = output + (c * planeSize);
            float pad = Normalise(spec.PadValue, mean[c], std[c]);
            int shift = source[c] * 8;
            Vector256<float> vector255 = Vector256.Create(255f);
            Vector256<float> vectorMean = Vector256.Create(mean[c]);
            Vector256<float> vectorStd = Vector256.Create(std[c]);
            for (int y = 0; y < spec.Height; y++)
            {
                float* row = plane + (y * width);
                int contentY = y - place.ContentY;
                if (contentY < 0 || contentY >= place.ContentHeight)
                {
                    new Span<float>(row, width).Fill(pad);
                    continue;
                }

                new Span<float>(row, place.ContentX).Fill(pad);
                new Span<float>(row + place.ContentX + place.ContentWidth, width - place.ContentX - place.ContentWidth).Fill(pad);
                uint* pixels = (uint*)(content + (contentY * contentStride));
                float* target = row + place.ContentX;
                int x = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; x <= place.ContentWidth - 8; x += 8)
                    {
                        Vector256<int> channel = (Vector256.Load(pixels + x) >>> shift).AsInt32() & Vector256.Create(0xFF);
                        Vector256.Store(((Vector256.ConvertToSingle(channel) / vector255) - vectorMean) / vectorStd, target + x);
                    }
                }

                for (; x < place.ContentWidth; x++)
                {
                    target[x] = Normalise((int)((pixels[x] >> shift) & 0xFF), mean[c], std[c]);
                }
            }
        }
    }

    private static void WriteInterleavedFloats(TensorSpec spec, in TensorPlacement place, byte* content, int contentStride, float* output,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        // Packed bytes first (libyuv), then bytes to floats, eight at a time when the three channels share mean and std.
        int width = spec.Width;
        byte[] bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(width * spec.Height * 3);
        try
        {
            fixed (byte* packed = bytes)
            {
                WritePackedBytes(spec, place, content, contentStride, packed);
                int count = width * spec.Height * 3;
                int i = 0;
                if (Vector256.IsHardwareAccelerated && mean[0] == mean[1] && mean[1] == mean[2] && std[0] == std[1] && std[1] == std[2])
                {
                    Vector256<float> vector255 = Vector256.Create(255f);
                    Vector256<float> vectorMean = Vector256.Create(mean[0]);
                    Vector256<float> vectorStd = Vector256.Create(std[0]);
                    for (; i <= count - 8; i += 8)
                    {
                        Vector256<int> values = Vector256.Create(
                            packed[i], packed[i + 1], packed[i + 2], packed[i + 3], packed[i + 4], packed[i + 5], packed[i + 6], packed[i + 7]);
                        Vector256.Store(((Vector256.ConvertToSingle(values) / vector255) - vectorMean) / vectorStd, output + i);
                    }
                }

                for (; i < count; i++)
                {
                    int c = i % 3;
                    output[i] = Normalise(packed[i], mean[c], std[c]);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static void WriteBytes(TensorSpec spec, in TensorPlacement place, byte* content, int contentStride, byte* output, ReadOnlySpan<int> source)
    {
        if (spec.Layout == TensorLayout.Hwc)
        {
            WritePackedBytes(spec, place, content, contentStride, output);
            return;
        }

        int width = spec.Width;
        int planeSize = width * spec.Height;
        for (int c = 0; c < 3; c++)
        {
            byte* plane = output + (c * planeSize);
            int shift = source[c] * 8;
            FillBorder(plane, width, spec.Height, 1, place, spec.PadValue);
            for (int y = 0; y < place.ContentHeight; y++)
            {
                uint* pixels = (uint*)(content + (y * contentStride));
                byte* target = plane + ((place.ContentY + y) * width) + place.ContentX;
                int x = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    Vector256<uint> mask = Vector256.Create(0xFFu);
                    for (; x <= place.ContentWidth - 32; x += 32)
                    {
                        Vector256<ushort> low = Vector256.Narrow((Vector256.Load(pixels + x) >>> shift) & mask, (Vector256.Load(pixels + x + 8) >>> shift) & mask);
                        Vector256<ushort> high = Vector256.Narrow((Vector256.Load(pixels + x + 16) >>> shift) & mask, (Vector256.Load(pixels + x + 24) >>> shift) & mask);
                        Vector256.Store(Vector256.Narrow(low, high), target + x);
                    }
                }

                for (; x < place.ContentWidth; x++)
                {
                    target[x] = (byte)(pixels[x] >> shift);
                }
            }
        }
    }

    /// <summary>HWC uint8 in the spec's channel order: libyuv packs each row (B,G,R or R,G,B), the border is filled around it.</summary>
    private static void WritePackedBytes(TensorSpec spec, in TensorPlacement place, byte* content, int contentStride, byte* output)
    {
        int rowBytes = spec.Width * 3;
        FillBorder(output, spec.Width, spec.Height, 3, place, spec.PadValue);
        byte* first = output + (place.ContentY * rowBytes) + (place.ContentX * 3);
        int result = spec.Order == ChannelOrder.Rgb
            ? Interop.Yuv.ArgbToRgb(content, contentStride, first, rowBytes, place.ContentWidth, place.ContentHeight)
            : Interop.Yuv.ArgbToBgr(content, contentStride, first, rowBytes, place.ContentWidth, place.ContentHeight);
        if (result != 0)
        {
            throw new InvalidOperationException($"libyuv ARGB to packed bytes failed ({result})");
        }
    }

    /// <summary>Fills everything outside the content rectangle of one plane (or of the packed image) with the pad value.</summary>
    private static void FillBorder(byte* image, int width, int height, int bytesPerPixel, in TensorPlacement place, byte pad)
    {
        int rowBytes = width * bytesPerPixel;
        new Span<byte>(image, place.ContentY * rowBytes).Fill(pad);
        int below = place.ContentY + place.ContentHeight;
        new Span<byte>(image + (below * rowBytes), (height - below) * rowBytes).Fill(pad);
        int left = place.ContentX * bytesPerPixel;
        int right = rowBytes - left - (place.ContentWidth * bytesPerPixel);
        for (int y = place.ContentY; y < below; y++)
        {
            byte* row = image + (y * rowBytes);
            new Span<byte>(row, left).Fill(pad);
            new Span<byte>(row + rowBytes - right, right).Fill(pad);
        }
    }
}
