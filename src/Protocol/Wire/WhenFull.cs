namespace RawFrames.Client;

/// <summary>A lossless subscriber whose queue is full (PROTOCOL.md §16).</summary>
public enum WhenFull : byte
{
    /// <summary>Go on under the latest policy from now on (counted).</summary>
    SwitchToLatest = 0,

    /// <summary>Close the subscription with ERROR TooSlow.</summary>
    Disconnect = 1,
}
