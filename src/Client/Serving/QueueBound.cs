namespace RawFrames.Client;

/// <summary>What filled a lossless subscriber's queue.</summary>
public enum QueueBound
{
    /// <summary>Nothing yet.</summary>
    None,

    /// <summary>Its queue in frames (the subscriber's request, or the server's default).</summary>
    Frames,

    /// <summary>The server's bound per subscriber in bytes (FrameServerOptions.MaxQueuedBytes).</summary>
    SubscriberBytes,

    /// <summary>The server's bound for all subscribers together in bytes (FrameServerOptions.MaxTotalQueuedBytes).</summary>
    TotalBytes,
}
