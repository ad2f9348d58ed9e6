using System.Globalization;
using System.Text.RegularExpressions;

namespace RawFrames.Streaming.Sources;

/// <summary>
/// A parsed <c>--source</c> value: <c>synthetic[:WxH][@FPS]</c>, <c>noise[:WxH][@FPS]</c> (random pixels, panned) or
/// <c>image:PATH[@FPS]</c>. <see cref="Fps"/> 0 means as fast as the link and receiver allow. For an image, the
/// geometry comes from the file (<see cref="Open"/>).
/// </summary>
public sealed partial record SourceSpec(string Kind, int Width, int Height, double Fps, string? Path = null)
{
    public const int DefaultWidth = 1920;
    public const int DefaultHeight = 1080;

    /// <summary>Opens the source; <paramref name="stride"/> applies to the synthetic pattern (0 = packed).</summary>
    public IFrameSource Open(int stride = 0) => Kind switch
    {
        "image" => PanningImage.Load(Path!),
        "noise" => PanningImage.RandomNoise(Width, Height),
        _ => SyntheticPattern.For(Width, Height, stride),
    };

    public static SourceSpec Parse(string text)
    {
        Match image = ImageSyntax().Match(text?.Trim() ?? "");
        if (image.Success)
        {
            string path = image.Groups["path"].Value;
            if (!File.Exists(path))
            {
                throw new FormatException($"source '{text}': no such file {path}");
            }

            return new SourceSpec("image", 0, 0, image.Groups["fps"].Success ? double.Parse(image.Groups["fps"].Value, CultureInfo.InvariantCulture) : 0, path);
        }

        Match match = SyntheticSyntax().Match(text?.Trim() ?? "");
        if (!match.Success)
        {
            throw new FormatException($"source '{text}' is not understood: expected synthetic[:WIDTHxHEIGHT][@FPS] (e.g. synthetic:1280x720@30), noise[:WIDTHxHEIGHT][@FPS] or image:PATH[@FPS]");
        }

        int width = match.Groups["w"].Success ? int.Parse(match.Groups["w"].Value, CultureInfo.InvariantCulture) : DefaultWidth;
        int height = match.Groups["h"].Success ? int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture) : DefaultHeight;
        double fps = match.Groups["fps"].Success ? double.Parse(match.Groups["fps"].Value, CultureInfo.InvariantCulture) : 0;
        if (width is < 1 or > 65535 || height is < 1 or > 65535)
        {
            throw new FormatException($"source '{text}': width and height must be 1 to 65535");
        }

        if (fps < 0 || double.IsInfinity(fps))
        {
            throw new FormatException($"source '{text}': the frame rate must be positive");
        }

        return new SourceSpec(match.Groups["kind"].Value.Equals("noise", StringComparison.OrdinalIgnoreCase) ? "noise" : "synthetic", width, height, fps);
    }

    [GeneratedRegex(@"^image:(?<path>.+?)(@(?<fps>\d+(\.\d+)?))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageSyntax();

    [GeneratedRegex(@"^(?<kind>synthetic|noise)(:(?<w>\d{1,5})x(?<h>\d{1,5}))?(@(?<fps>\d+(\.\d+)?))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SyntheticSyntax();
}
