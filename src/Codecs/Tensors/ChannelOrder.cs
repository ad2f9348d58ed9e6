namespace RawFrames.Client;

/// <summary>The order of the three colour channels in a tensor.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue: what most models trained outside OpenCV take.</summary>
    Rgb,

    /// <summary>Blue, green, red: OpenCV's order.</summary>
    Bgr,
}
