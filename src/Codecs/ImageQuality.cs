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
            ReadOnlySpan<byte> rowA = a.Slice(y * strideA, rowBytes);
            ReadOnlySpan<byte> rowB = b.Slice(y * strideB, rowBytes);
            for (int x = 0; x < rowBytes; x++)
            {
                int d = rowA[x] - rowB[x];
                sumSquares += d * d;
            }
        }

        if (sumSquares == 0)
        {
            return double.PositiveInfinity;
        }

        double mse = (double)sumSquares / ((long)rowBytes * rows);
        return 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
