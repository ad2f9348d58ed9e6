using System.Globalization;

namespace RawFrames.Client;

/// <summary>
/// What a model takes: its input size, how a frame is fitted to it, channel order, layout and element type. The
/// default for a size is what YOLO-family detectors take: letterboxed with grey 114 borders, RGB, planar (CHW),
/// float32 scaled to 0..1.
/// </summary>
/// <param name="Width">The model's input width in pixels.</param>
/// <param name="Height">The model's input height in pixels.</param>
public sealed record TensorSpec(int Width, int Height)
{
    /// <summary>How a frame of another shape is fitted; <see cref="TensorFit.Letterbox"/> by default.</summary>
    public TensorFit Fit { get; init; } = TensorFit.Letterbox;

    /// <summary>The letterbox border's value in each channel, 0-255 (before scaling to float); 114 by default, as YOLO's.</summary>
    public byte PadValue { get; init; } = 114;

    /// <summary>Channel order; RGB by default.</summary>
    public ChannelOrder Order { get; init; } = ChannelOrder.Rgb;

    /// <summary>Planar (CHW, the default) or interleaved (HWC).</summary>
    public TensorLayout Layout { get; init; } = TensorLayout.Chw;

    /// <summary>float32 (the default) or uint8.</summary>
    public TensorElement Element { get; init; } = TensorElement.Float32;

    /// <summary>Per-channel mean subtracted after scaling to 0..1, in the tensor's channel order (e.g. ImageNet's 0.485, 0.456, 0.406); float32 only.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel standard deviation divided by after the mean (e.g. 0.229, 0.224, 0.225); float32 only.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>Values in one image: 3 × width × height.</summary>
    public int ElementCount => checked(3 * Width * Height);

    /// <summary>Bytes in one image.</summary>
    public int ByteCount => checked(ElementCount * (Element == TensorElement.Float32 ? sizeof(float) : 1));

    /// <summary>The shape of one image: (3, H, W) or (H, W, 3).</summary>
    public IReadOnlyList<int> Shape => Layout == TensorLayout.Chw ? [3, Height, Width] : [Height, Width, 3];

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong; every converter calls it once.</summary>
    public void Validate()
    {
        if (Width is < 1 or > 8192 || Height is < 1 or > 8192)
        {
            throw new ArgumentException($"a model input of {Width}x{Height} is outside 1x1 to 8192x8192");
        }

        if ((Mean is not null || Std is not null) && Element != TensorElement.Float32)
        {
            throw new ArgumentException("mean and std apply to float32 tensors only");
        }

        if (Mean is { Count: not 3 } || Std is { Count: not 3 })
        {
            throw new ArgumentException("mean and std take one value per channel (3)");
        }

        if (Std is not null && Std.Any(value => !(value > 0) || !float.IsFinite(value)))
        {
            throw new ArgumentException("every std value must be a positive number");
        }
    }

    /// <summary>Parses <c>WIDTHxHEIGHT</c> (e.g. <c>640x640</c>) into the default spec for that size.</summary>
    /// <exception cref="FormatException">Not of that form, or a size outside 1 to 8192.</exception>
    public static TensorSpec Parse(string size)
    {
        ArgumentNullException.ThrowIfNull(size);
        string[] parts = size.Split('x', 'X');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int width)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int height)
            || width is < 1 or > 8192 || height is < 1 or > 8192)
        {
            throw new FormatException($"'{size}' is not a model input size: write WIDTHxHEIGHT, e.g. 640x640 (1 to 8192 each)");
        }

        return new TensorSpec(width, height);
    }

    /// <summary>The spec in words, e.g. <c>640x640 letterbox rgb chw float32</c>.</summary>
    public string Describe() =>
        FormattableString.Invariant($"{Width}x{Height} {Fit.ToString().ToLowerInvariant()} {Order.ToString().ToLowerInvariant()} {Layout.ToString().ToLowerInvariant()} {Element.ToString().ToLowerInvariant()}");
}
