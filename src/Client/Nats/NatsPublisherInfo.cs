namespace RawFrames.Client;

/// <summary>What a <see cref="FrameSender"/> publishing on NATS (PROTOCOL.md §19) is, beside what every sender is.</summary>
public sealed class NatsPublisherInfo
{
    private readonly Nats.NatsFramePublisher _publisher;

    internal NatsPublisherInfo(Nats.NatsFramePublisher publisher) => _publisher = publisher;

    /// <summary>This publisher's id, in every message's header: subscribers keep publishers apart by it.</summary>
    public string PublisherId => _publisher.PublisherId;

    /// <summary>The largest message the server takes, in bytes (its max_payload); 0 before it said.</summary>
    public long MaxPayload => _publisher.MaxPayload;
}
