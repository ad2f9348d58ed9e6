using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Programs.Stats;

/// <summary>The geometry a --model run produces, as the summary names it (the README and PROTOCOL.md §17 use the same words).</summary>
public static class ModelSummary
{
    public static IReadOnlyDictionary<string, object?> Describe(TensorSpec spec) => new Dictionary<string, object?>
    {
        ["width"] = spec.Width,
        ["height"] = spec.Height,
        ["fit"] = spec.Fit.FitName(),
        ["order"] = spec.Order.ToString().ToLowerInvariant(),
        ["layout"] = spec.Layout.ToString().ToLowerInvariant(),
        ["type"] = spec.Element.ToString().ToLowerInvariant(),
        ["shape"] = spec.Shape,
        ["pixel_format"] = TensorWire.WireName(spec.PixelFormat()),
        ["pad"] = (int)spec.PadValue,
        ["mean"] = spec.Mean,
        ["std"] = spec.Std,
        ["bytes_per_frame"] = spec.ByteCount,
    };
}
