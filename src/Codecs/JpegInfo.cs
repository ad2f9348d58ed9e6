using System.Buffers.Binary;

namespace RawFrames.Codecs;

/// <summary>
/// A JPEG's size and component count, read from its frame header (SOF) in C#: what a sender needs to describe a JPEG
/// it forwards (PROTOCOL.md §7), without a native decoder or any allocation.
/// </summary>
public readonly record struct JpegInfo(int Width, int Height, int Components)
{
    /// <exception cref="CorruptFrameException">The bytes are not a JPEG, or end before its frame header.</exception>
    public static JpegInfo Read(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            throw new CorruptFrameException("not a JPEG: it does not start with SOI (FF D8)");
        }

        for (int at = 2; at + 4 <= jpeg.Length;)
        {
            if (jpeg[at] != 0xFF)
            {
                throw new CorruptFrameException($"not a JPEG marker at byte {at}");
            }

            byte marker = jpeg[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(at + 2)..]);
            // SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC): precision, height, width, components.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC && at + 10 <= jpeg.Length)
            {
                return new JpegInfo(BinaryPrimitives.ReadUInt16BigEndian(jpeg[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(jpeg[(at + 5)..]), jpeg[at + 9]);
            }

            if (marker == 0xDA)
            {
                break; // scan data before any frame header
            }

            at += 2 + length;
        }

        throw new CorruptFrameException("the JPEG has no frame header (SOF) before its image data");
    }
}
