using System.Numerics;

namespace RawFrames.Codecs;

/// <summary>How close a decoded image is to the original.</summary>
public static class ImageQuality
{
    /// <summary>
    /// Peak signal-to-noise ratio in dB over <paramref name="rowBytes"/> bytes of each of <paramref name="rows"/> rows
    /// (row padding excluded); positive infinity when the images are identical.
    /// </summary>
    public static double Psnr(ReadOnlySpan<byte> a, int strideA, ReadOnlySpan<byte> b, int strideB, int rowBytes, int rows)
    {
        long sumSquares = 0;
        for (int y = 0; y < rows; y++)
        {
            sumSquares += SumOfSquaredDifferences(a.Slice(y * strideA, rowBytes), b.Slice(y * strideB, rowBytes));
        }

        if (sumSquares == 0)
        {
            return double.PositiveInfinity;
        }

        double mse = (double)sumSquares / ((long)rowBytes * rows);
        return 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    // Vectorized: bytes widen to 16-bit differences, squares accumulate in 32-bit lanes, flushed to 64 bits every
    // block so a lane can never overflow (a block adds at most 256 * 255^2 per lane).
    private static long SumOfSquaredDifferences(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long total = 0;
        int i = 0;
        int width = Vector<byte>.Count;
        while (i <= a.Length - width)
        {
            Vector<int> block = Vector<int>.Zero;
            for (int n = 0; n < 256 && i <= a.Length - width; n++, i += width)
            {
                Vector.Widen(new Vector<byte>(a[i..]), out Vector<ushort> a0, out Vector<ushort> a1);
                Vector.Widen(new Vector<byte>(b[i..]), out Vector<ushort> b0, out Vector<ushort> b1);
                block += Squares(Vector.AsVectorInt16(a0) - Vector.AsVectorInt16(b0));
                block += Squares(Vector.AsVectorInt16(a1) - Vector.AsVectorInt16(b1));
            }

            for (int lane = 0; lane < Vector<int>.Count; lane++)
            {
                total += (uint)block[lane];
            }
        }

        for (; i < a.Length; i++)
        {
            int d = a[i] - b[i];
            total += d * d;
        }

        return total;
    }

    private static Vector<int> Squares(Vector<short> difference)
    {
        Vector.Widen(difference, out Vector<int> low, out Vector<int> high);
        return (low * low) + (high * high);
    }
}
