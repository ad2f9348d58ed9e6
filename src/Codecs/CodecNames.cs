using RawFrames.Client;

namespace RawFrames.Codecs;

/// <summary>The codec names the programs' command lines, the browser view and the Python client use (PROTOCOL.md §7): raw, jpeg, yuv-jpeg, png, bmp.</summary>
public static class CodecNames
{
    private static readonly (string Name, Codec Codec)[] s_names =
        [("raw", Codec.Raw), ("jpeg", Codec.Jpeg), ("yuv-jpeg", Codec.YuvJpeg), ("png", Codec.Png), ("bmp", Codec.Bmp)];

    /// <summary>Every name, in codec order.</summary>
    public static IEnumerable<string> All => s_names.Select(n => n.Name);

    /// <summary>The name of <paramref name="codec"/>.</summary>
    /// <exception cref="InvalidOperationException">Not a codec of PROTOCOL.md §7.</exception>
    public static string Name(Codec codec) => s_names.First(n => n.Codec == codec).Name;

    /// <summary>The codec named <paramref name="name"/>, in any case.</summary>
    /// <exception cref="FormatException">No codec has that name; the message lists the names.</exception>
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
