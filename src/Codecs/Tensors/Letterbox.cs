namespace RawFrames.Client;

/// <summary>
/// Where the source frame landed in a tensor: tensor = source × scale + offset, per axis. With it, boxes a model finds
/// in tensor coordinates are mapped back to the frame (<see cref="ToSource"/>). For a letterbox the offsets are the
/// borders; for a centre crop they are negative (the part cut off).
/// </summary>
/// <param name="ScaleX">Tensor pixels per source pixel, horizontally.</param>
/// <param name="ScaleY">Tensor pixels per source pixel, vertically.</param>
/// <param name="OffsetX">Where source x = 0 lands in the tensor.</param>
/// <param name="OffsetY">Where source y = 0 lands in the tensor.</param>
/// <param name="SourceWidth">The frame's width.</param>
/// <param name="SourceHeight">The frame's height.</param>
public readonly record struct Letterbox(float ScaleX, float ScaleY, float OffsetX, float OffsetY, int SourceWidth, int SourceHeight)
{
    /// <summary>A point in tensor coordinates, in the source frame's coordinates.</summary>
    public (float X, float Y) ToSource(float x, float y) => ((x - OffsetX) / ScaleX, (y - OffsetY) / ScaleY);

    /// <summary>A point in the source frame, in tensor coordinates.</summary>
    public (float X, float Y) ToTensor(float x, float y) => ((x * ScaleX) + OffsetX, (y * ScaleY) + OffsetY);
}
