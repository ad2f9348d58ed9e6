using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Codecs;

/// <summary>How a <see cref="TensorSpec"/>'s output travels as a raw frame (PROTOCOL.md §7.2) and is named in §17's metadata.</summary>
public static class TensorWire
{
    /// <summary>The pixel format a model input of this spec travels as (PROTOCOL.md §7.2).</summary>
    public static PixelFormat PixelFormat(this TensorSpec spec) => (spec.Layout, spec.Element, spec.Order) switch
    {
        (TensorLayout.Chw, TensorElement.Float32, ChannelOrder.Rgb) => Client.PixelFormat.RgbF32Planar,
        (TensorLayout.Chw, TensorElement.Float32, _) => Client.PixelFormat.BgrF32Planar,
        (TensorLayout.Chw, _, ChannelOrder.Rgb) => Client.PixelFormat.RgbU8Planar,
        (TensorLayout.Chw, _, _) => Client.PixelFormat.BgrU8Planar,
        (_, TensorElement.Float32, ChannelOrder.Rgb) => Client.PixelFormat.RgbF32,
        (_, TensorElement.Float32, _) => Client.PixelFormat.BgrF32,
        (_, _, ChannelOrder.Rgb) => Client.PixelFormat.Rgb24,
        _ => Client.PixelFormat.Bgr24,
    };

    /// <summary>The header of one image (or, with <paramref name="batch"/>, a batch) of this spec as a raw frame: rows without padding.</summary>
    internal static FrameHeader Header(this TensorSpec spec, uint streamId, ulong sequence, long timestampNs, bool batch = false) =>
        FrameHeader.ForRaw(spec.PixelFormat(), spec.Width, spec.Height, 0, streamId, sequence, timestampNs)
            with { Flags = batch ? FrameFlags.Batch | FrameFlags.MetadataIsJson : FrameFlags.None };

    /// <summary>PROTOCOL.md §7's name of a model-input pixel format, e.g. RGB_F32_CHW (RGB24/BGR24 for uint8 HWC).</summary>
    public static string WireName(PixelFormat format) => format switch
    {
        Client.PixelFormat.RgbF32Planar => "RGB_F32_CHW",
        Client.PixelFormat.BgrF32Planar => "BGR_F32_CHW",
        Client.PixelFormat.RgbU8Planar => "RGB_U8_CHW",
        Client.PixelFormat.BgrU8Planar => "BGR_U8_CHW",
        Client.PixelFormat.RgbF32 => "RGB_F32_HWC",
        Client.PixelFormat.BgrF32 => "BGR_F32_HWC",
        _ => format.ToString().ToUpperInvariant(),
    };

    /// <summary>§17's name for a fit.</summary>
    public static string FitName(this TensorFit fit) => fit switch
    {
        TensorFit.Stretch => "stretch",
        TensorFit.CenterCrop => "center_crop",
        _ => "letterbox",
    };
}
