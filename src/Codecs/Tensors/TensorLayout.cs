namespace RawFrames.Client;

/// <summary>How a tensor's values are arranged in memory.</summary>
public enum TensorLayout
{
    /// <summary>Planar: all of channel 0, then channel 1, then channel 2 (shape 3 x H x W; a batch is N x 3 x H x W).</summary>
    Chw,

    /// <summary>Interleaved: the three channels of each pixel together (shape H x W x 3), as images are stored.</summary>
    Hwc,
}
