namespace RawFrames.Client;

/// <summary>How a <see cref="LocalSubscription"/> takes a <see cref="FrameServer"/>'s frames, as a remote subscriber's HELLO says it (PROTOCOL.md §16).</summary>
public sealed record LocalSubscriptionOptions
{
    /// <summary>What the subscription is, as <see cref="ServedSubscriber.Remote"/> shows it ("browser view", a NATS address).</summary>
    public string Name { get; init; } = "local";

    /// <summary>How its frames go on from here, as <see cref="ServedSubscriber.Transport"/> shows it.</summary>
    public string Transport { get; init; } = "local";

    /// <summary>Every frame through a bounded queue (lossless, the default) or only the newest (latest).</summary>
    public DeliveryPolicy Policy { get; init; } = DeliveryPolicy.Lossless;

    /// <summary>The lossless queue's bound in frames; 0: the server's <see cref="FrameServerOptions.QueueFrames"/>.</summary>
    public int QueueFrames { get; init; }

    /// <summary>What a full lossless queue does: switch to latest (the default), or end the subscription as too slow.</summary>
    public WhenFull WhenFull { get; init; } = WhenFull.SwitchToLatest;

    /// <summary>Only this stream; null: every stream.</summary>
    public uint? StreamId { get; init; }
}
