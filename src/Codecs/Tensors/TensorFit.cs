namespace RawFrames.Client;

/// <summary>How a frame of another shape is fitted to the model's input size.</summary>
public enum TensorFit
{
    /// <summary>Scaled to fit inside, aspect kept, the rest filled with the pad value (YOLO's letterbox).</summary>
    Letterbox,

    /// <summary>Scaled to exactly the input size, aspect not kept.</summary>
    Stretch,

    /// <summary>Scaled to cover the input size, aspect kept, the overhang on both sides cut off.</summary>
    CenterCrop,
}
