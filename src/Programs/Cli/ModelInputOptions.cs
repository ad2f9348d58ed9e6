using System.CommandLine;
using System.Globalization;
using RawFrames.Client;

namespace RawFrames.Programs.Cli;

/// <summary>
/// The --model options rawframes-recv and rawframes-relay share: what a model takes (TensorSpec), in the user's words.
/// Every mistake is a FormatException naming the option (a usage error, exit 2).
/// </summary>
public sealed class ModelInputOptions
{
    private readonly Option<string?> _size = new("--model") { Description = "Make every frame a model input of WIDTHxHEIGHT (e.g. 640x640): letterboxed (grey 114 borders), RGB, planar CHW, float32 in 0..1 unless the --model-* options say otherwise" };
    private readonly Option<string?> _fit = new("--model-fit") { Description = "With --model: letterbox (default), stretch, or crop (centre crop)" };
    private readonly Option<string?> _order = new("--model-order") { Description = "With --model: rgb (default) or bgr" };
    private readonly Option<string?> _layout = new("--model-layout") { Description = "With --model: chw (planar, default) or hwc (interleaved)" };
    private readonly Option<string?> _type = new("--model-type") { Description = "With --model: float32 (default) or uint8" };
    private readonly Option<string?> _mean = new("--model-mean") { Description = "With --model, float32: per-channel mean subtracted after /255, in the tensor's channel order, e.g. 0.485,0.456,0.406" };
    private readonly Option<string?> _std = new("--model-std") { Description = "With --model, float32: per-channel standard deviation divided by, e.g. 0.229,0.224,0.225" };
    private readonly Option<int?> _pad = NumberOption.Optional("--model-pad", "With --model: the letterbox border's value, 0-255 (default 114)", 0, 255);

    public IEnumerable<Option> All => [_size, _fit, _order, _layout, _type, _mean, _std, _pad];

    /// <summary>The spec the options describe, or null without --model.</summary>
    /// <exception cref="FormatException">A value that is not one of the choices, or a --model-* option without --model.</exception>
    public TensorSpec? Parse(ParseResult parsed)
    {
        if (parsed.GetValue(_size) is not { } size)
        {
            Option? orphan = All.Skip(1).FirstOrDefault(option => parsed.GetResult(option) is { Implicit: false });
            return orphan is null ? null : throw new FormatException($"{orphan.Name} needs --model WIDTHxHEIGHT");
        }

        TensorSpec spec;
        try
        {
            spec = TensorSpec.Parse(size);
        }
        catch (FormatException e)
        {
            throw new FormatException($"--model {e.Message}");
        }

        spec = spec with
        {
            Fit = Choice(parsed, _fit, spec.Fit, ("letterbox", TensorFit.Letterbox), ("stretch", TensorFit.Stretch), ("crop", TensorFit.CenterCrop)),
            Order = Choice(parsed, _order, spec.Order, ("rgb", ChannelOrder.Rgb), ("bgr", ChannelOrder.Bgr)),
            Layout = Choice(parsed, _layout, spec.Layout, ("chw", TensorLayout.Chw), ("hwc", TensorLayout.Hwc)),
            Element = Choice(parsed, _type, spec.Element, ("float32", TensorElement.Float32), ("uint8", TensorElement.UInt8)),
            Mean = Triple(parsed, _mean),
            Std = Triple(parsed, _std),
            PadValue = (byte)(parsed.GetValue(_pad) ?? spec.PadValue),
        };
        try
        {
            spec.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"--model: {e.Message}");
        }

        return spec;
    }

    private static T Choice<T>(ParseResult parsed, Option<string?> option, T fallback, params (string Name, T Value)[] choices)
    {
        if (parsed.GetValue(option) is not { } text)
        {
            return fallback;
        }

        foreach ((string name, T value) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new FormatException($"{option.Name} '{text}': expected {string.Join(", ", choices.Select(choice => choice.Name))}");
    }

    private static float[]? Triple(ParseResult parsed, Option<string?> option)
    {
        if (parsed.GetValue(option) is not { } text)
        {
            return null;
        }

        string[] parts = text.Split(',');
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
            {
                throw new FormatException($"{option.Name} '{text}': expected three numbers separated by commas, e.g. 0.485,0.456,0.406");
            }
        }

        return parts.Length == 3 ? values : throw new FormatException($"{option.Name} '{text}': expected three numbers, one per channel");
    }
}
