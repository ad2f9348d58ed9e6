using System.Buffers.Binary;

namespace RawFrames.Codecs;

/// <summary>
/// 24-bit BMP (BITMAPINFOHEADER, BI_RGB): a 54-byte header and bottom-up rows padded to 4 bytes. BMP stores B,G,R, so
/// it is a copy of the pixels; it is here because the comparison table the bench reproduces has a BMP row.
/// </summary>
public static class BmpCodec
{
    /// <summary>Bytes before the pixels: the file header and BITMAPINFOHEADER.</summary>
    public const int HeaderSize = 54;

    /// <summary>The size of a 24-bit BMP of this geometry (rows padded to 4 bytes).</summary>
    public static int EncodedSize(int width, int height) => checked(HeaderSize + (RowSize(width) * height));

    /// <summary>Writes BGR24 rows of <paramref name="stride"/> bytes as a bottom-up 24-bit BMP; returns its length.</summary>
    public static int EncodeBgr(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination)
    {
        CodecArguments.CheckPacked(bgr, width, height, stride, 3);
        int size = EncodedSize(width, height);
        CodecArguments.CheckDestination(destination, size);
        int rowSize = RowSize(width);
        destination[0] = (byte)'B';
        destination[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(destination[2..], size);
        BinaryPrimitives.WriteInt32LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(destination[10..], HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[14..], 40);
        BinaryPrimitives.WriteInt32LittleEndian(destination[18..], width);
        BinaryPrimitives.WriteInt32LittleEndian(destination[22..], height); // positive: bottom-up
        BinaryPrimitives.WriteInt16LittleEndian(destination[26..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(destination[28..], 24);
        destination.Slice(30, HeaderSize - 30).Clear(); // BI_RGB, image size 0, resolution, palette
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = destination.Slice(HeaderSize + ((height - 1 - y) * rowSize), rowSize);
            bgr.Slice(y * stride, width * 3).CopyTo(row);
            row[(width * 3)..].Clear();
        }

        return size;
    }

    /// <summary>Decodes a 24-bit uncompressed BMP, bottom-up or top-down, into BGR24 rows of <paramref name="stride"/> bytes.</summary>
    public static void DecodeToBgr(ReadOnlySpan<byte> bmp, Span<byte> bgr, int width, int height, int stride)
    {
        CodecArguments.CheckPacked(bgr, width, height, stride, 3);
        if (bmp.Length < HeaderSize || bmp[0] != 'B' || bmp[1] != 'M')
        {
            throw new CorruptFrameException("not a BMP file");
        }

        int offset = BinaryPrimitives.ReadInt32LittleEndian(bmp[10..]);
        int fileWidth = BinaryPrimitives.ReadInt32LittleEndian(bmp[18..]);
        int fileHeight = BinaryPrimitives.ReadInt32LittleEndian(bmp[22..]);
        short bits = BinaryPrimitives.ReadInt16LittleEndian(bmp[28..]);
        int compression = BinaryPrimitives.ReadInt32LittleEndian(bmp[30..]);
        if (bits != 24 || compression != 0)
        {
            throw new CorruptFrameException($"only 24-bit uncompressed BMP is supported, got {bits}-bit compression {compression}");
        }

        if (fileWidth != width || Math.Abs(fileHeight) != height)
        {
            throw new CorruptFrameException($"the BMP is {fileWidth}x{Math.Abs(fileHeight)} but the frame header says {width}x{height}");
        }

        int rowSize = RowSize(width);
        if (offset < HeaderSize || (long)offset + ((long)rowSize * height) > bmp.Length)
        {
            throw new CorruptFrameException($"the BMP's pixels run past its {bmp.Length} bytes");
        }

        bool bottomUp = fileHeight > 0;
        for (int y = 0; y < height; y++)
        {
            int fileRow = bottomUp ? height - 1 - y : y;
            bmp.Slice(offset + (fileRow * rowSize), width * 3).CopyTo(bgr.Slice(y * stride, width * 3));
        }
    }

    private static int RowSize(int width) => ((width * 3) + 3) & ~3;
}

/// <summary><see cref="BmpCodec"/> as an <see cref="IFrameEncoder"/>.</summary>
internal sealed class BmpEncoder : IFrameEncoder
{
    public RawFrames.Client.Codec Codec => RawFrames.Client.Codec.Bmp;

    public RawFrames.Client.PixelFormat PayloadPixelFormat => RawFrames.Client.PixelFormat.Bgr24;

    public int MaxEncodedSize(int width, int height) => BmpCodec.EncodedSize(width, height);

    public int Encode(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<byte> destination) =>
        BmpCodec.EncodeBgr(bgr, width, height, stride, destination);

    public void Dispose()
    {
    }
}
