using RawFrames.Programs.Sources;

namespace RawFrames.Bench.Content;

/// <summary>The picture content every codec is measured on.</summary>
public enum ContentKind
{
    /// <summary>1000x1000 uniform random bytes: the classic PNG/JPG/BMP table's frames, the worst case for every codec.</summary>
    Noise1000,
    /// <summary>1920x1080 natural photo (scripts/natural-photo.sh): what a camera sends.</summary>
    Photo1080,
    /// <summary>1920x1080 frame of the built-in synthetic pattern (smooth gradients; compresses unusually well).</summary>
    Synthetic1080,
}

/// <summary>One packed BGR24 frame of a <see cref="ContentKind"/>, loaded once per process.</summary>
public sealed record FrameContent(ContentKind Kind, int Width, int Height, byte[] Bgr)
{
    private static readonly Dictionary<ContentKind, FrameContent> s_loaded = [];
    private static readonly Lazy<string> s_photoPath = new(() => Repository.RunScript("natural-photo.sh", "1920x1144"));

    public int Stride => Width * 3;

    public static FrameContent Get(ContentKind kind)
    {
        lock (s_loaded)
        {
            if (!s_loaded.TryGetValue(kind, out FrameContent? content))
            {
                content = Load(kind);
                s_loaded[kind] = content;
            }

            return content;
        }
    }

    /// <summary>The --source value that makes rawframes-send stream this content (frames differ from one to the next).</summary>
    public static string SourceSpec(ContentKind kind) => kind switch
    {
        ContentKind.Noise1000 => "noise:1000x1000",
        ContentKind.Photo1080 => "image:" + PhotoPath(),
        _ => "synthetic:1920x1080",
    };

    /// <summary>The 1920x1144 natural photo (1080p plus the source's 64-row pan), made by scripts/natural-photo.sh.</summary>
    public static string PhotoPath() => s_photoPath.Value;

    private static FrameContent Load(ContentKind kind)
    {
        IIndexedFrameSource source = kind switch
        {
            ContentKind.Noise1000 => PanningImage.RandomNoise(1000, 1000),
            ContentKind.Photo1080 => PanningImage.Load(PhotoPath()),
            _ => SyntheticPattern.For(1920, 1080, 0),
        };
        return new FrameContent(kind, source.Width, source.Height, source.Frame(0).ToArray());
    }
}
