using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Bench.Codecs;

/// <summary>A codec at the settings the bench compares.</summary>
public enum CodecCase
{
    /// <summary>No codec: the cost is one copy of the frame, what a receiver that keeps a frame pays.</summary>
    Raw,
    Bmp,
    /// <summary>libspng at compression level 1: its fastest useful level (the PNG row of the classic table).</summary>
    Png,
    JpegQ80,
    JpegQ95,
    YuvJpegQ80,
}

public static class CodecCases
{
    public static Codec WireCodec(this CodecCase codec) => codec switch
    {
        CodecCase.Raw => Codec.Raw,
        CodecCase.Bmp => Codec.Bmp,
        CodecCase.Png => Codec.Png,
        CodecCase.YuvJpegQ80 => Codec.YuvJpeg,
        _ => Codec.Jpeg,
    };

    public static EncoderSettings Settings(this CodecCase codec) =>
        new(Quality: codec == CodecCase.JpegQ95 ? 95 : 80, PngLevel: 1);

    /// <summary>The rawframes-send options that select this codec.</summary>
    public static string[] SenderArguments(this CodecCase codec) => codec switch
    {
        CodecCase.Raw => ["--codec", "raw"],
        CodecCase.Bmp => ["--codec", "bmp"],
        CodecCase.Png => ["--codec", "png", "--png-level", "1"],
        CodecCase.JpegQ95 => ["--codec", "jpeg", "--quality", "95"],
        CodecCase.YuvJpegQ80 => ["--codec", "yuv-jpeg", "--quality", "80"],
        _ => ["--codec", "jpeg", "--quality", "80"],
    };

    public static string Label(this CodecCase codec) => codec switch
    {
        CodecCase.Raw => "raw",
        CodecCase.Bmp => "BMP",
        CodecCase.Png => "PNG (level 1)",
        CodecCase.JpegQ80 => "JPEG q80",
        CodecCase.JpegQ95 => "JPEG q95",
        _ => "YUV-JPEG q80",
    };
}
