namespace RawFrames.Client;

/// <summary>What a <see cref="FrameReceiver"/> subscribed on NATS (PROTOCOL.md §19) counts, beside what every receiver does.</summary>
public sealed class NatsSubscriberInfo
{
    private long _dropped;
    private long _invalidMessages;
    private readonly Nats.NatsFrameSubscription _subscription;

    internal NatsSubscriberInfo(Nats.NatsFrameSubscription subscription, string server)
    {
        _subscription = subscription;
        Server = server;
    }

    /// <summary>The server, as <c>nats://HOST:PORT</c>.</summary>
    public string Server { get; }

    /// <summary>The subject subscribed to (wildcards as written, or <c>SUBJECT.&gt;</c>).</summary>
    public string Subject => _subscription.Subject;

    /// <summary>Frames this side dropped: superseded under the latest policy, or over the subscription's queue.</summary>
    public long Dropped => Interlocked.Read(ref _dropped) + _subscription.Dropped;

    /// <summary>Messages on the subscribed subjects that were not FRAME bodies: skipped, counted, logged.</summary>
    public long InvalidMessages => Interlocked.Read(ref _invalidMessages);

    /// <summary>Told of each message that was not a FRAME body (its subject, what was wrong), on the receiver's feeding task.</summary>
    public Action<string, string>? InvalidMessage { get; set; }

    internal void OnDropped() => Interlocked.Increment(ref _dropped);

    internal void OnInvalid(string subject, string problem)
    {
        Interlocked.Increment(ref _invalidMessages);
        InvalidMessage?.Invoke(subject, problem);
    }
}
