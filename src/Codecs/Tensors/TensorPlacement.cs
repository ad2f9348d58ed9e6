using RawFrames.Client;

namespace RawFrames.Codecs;

/// <summary>
/// Where a frame goes in a tensor: the part of the frame used (Region, source pixels) and the rectangle it is scaled
/// to (Content, tensor pixels); everything outside Content is border. Integer rectangles, so that every
/// implementation that follows the same rounding (PROTOCOL.md §17) puts the same pixels in the same place.
/// </summary>
internal readonly record struct TensorPlacement(
    int RegionX, int RegionY, int RegionWidth, int RegionHeight,
    int ContentX, int ContentY, int ContentWidth, int ContentHeight)
{
    public static TensorPlacement Compute(int sourceWidth, int sourceHeight, TensorSpec spec)
    {
        int width = spec.Width;
        int height = spec.Height;
        switch (spec.Fit)
        {
            case TensorFit.Stretch:
                return new(0, 0, sourceWidth, sourceHeight, 0, 0, width, height);
            case TensorFit.CenterCrop:
            {
                double scale = Math.Max((double)width / sourceWidth, (double)height / sourceHeight);
                int regionWidth = Math.Clamp((int)Math.Round(width / scale), 1, sourceWidth);
                int regionHeight = Math.Clamp((int)Math.Round(height / scale), 1, sourceHeight);
                return new((sourceWidth - regionWidth) / 2, (sourceHeight - regionHeight) / 2, regionWidth, regionHeight, 0, 0, width, height);
            }

            default:
            {
                double scale = Math.Min((double)width / sourceWidth, (double)height / sourceHeight);
                int contentWidth = Math.Clamp((int)Math.Round(sourceWidth * scale), 1, width);
                int contentHeight = Math.Clamp((int)Math.Round(sourceHeight * scale), 1, height);
                return new(0, 0, sourceWidth, sourceHeight, (width - contentWidth) / 2, (height - contentHeight) / 2, contentWidth, contentHeight);
            }
        }
    }

    public Letterbox Letterbox(int sourceWidth, int sourceHeight)
    {
        float scaleX = (float)ContentWidth / RegionWidth;
        float scaleY = (float)ContentHeight / RegionHeight;
        return new(scaleX, scaleY, ContentX - (RegionX * scaleX), ContentY - (RegionY * scaleY), sourceWidth, sourceHeight);
    }
}
