using RawFrames.Protocol.Wire;

namespace RawFrames.Codecs;

/// <summary>The codec names the command lines use (PROTOCOL.md §7).</summary>
internal static class CodecNames
{
    private static readonly (string Name, Codec Codec)[] s_names =
        [("raw", Codec.Raw), ("jpeg", Codec.Jpeg), ("yuv-jpeg", Codec.YuvJpeg), ("png", Codec.Png), ("bmp", Codec.Bmp)];

    public static IEnumerable<string> All => s_names.Select(n => n.Name);

    public static string Name(Codec codec) => s_names.First(n => n.Codec == codec).Name;

    public static Codec Parse(string name)
    {
        foreach ((string known, Codec codec) in s_names)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                return codec;
            }
        }

        throw new FormatException($"unknown codec '{name}': expected one of {string.Join(", ", All)}");
    }
}
