namespace RawFrames.Relay.Fanout;

/// <summary>Something the hub offers frames to: a protocol subscriber, or the browser view.</summary>
internal interface IHubSubscriber
{
    long Id { get; }

    SubscriberQueue Queue { get; }

    bool Wants(uint streamId);

    /// <summary>Its lossless queue overflowed under "when full: disconnect"; called on the hub's task, must not wait.</summary>
    void OnOverflow();

    IReadOnlyDictionary<string, object?> ToState();
}
