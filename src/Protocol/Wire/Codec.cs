namespace RawFrames.Client;

/// <summary>PROTOCOL.md §7: what the payload bytes of a FRAME are.</summary>
public enum Codec : byte
{
    /// <summary>Uncompressed pixels laid out as the pixel format and stride say.</summary>
    Raw = 0,
    /// <summary>A baseline JFIF JPEG coded from interleaved pixels.</summary>
    Jpeg = 1,
    /// <summary>A baseline JFIF JPEG coded straight from full-range YUV 4:2:0 planes.</summary>
    YuvJpeg = 2,
    /// <summary>A PNG file.</summary>
    Png = 3,
    /// <summary>A BMP file (24-bit, BITMAPINFOHEADER).</summary>
    Bmp = 4,
}
