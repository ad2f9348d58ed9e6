using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Relay.Fanout;

/// <summary>Each subscriber as /state and the summary show it: snake_case fields, names for policies and codecs.</summary>
internal static class SubscriberStates
{
    public static IReadOnlyDictionary<string, object?> Of(ServedSubscriber subscriber, long? refused = null)
    {
        var state = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = subscriber.Id,
            ["remote"] = subscriber.Remote,
            ["transport"] = subscriber.Transport,
            ["policy"] = Name(subscriber.RequestedPolicy),
            ["policy_now"] = Name(subscriber.Policy),
            ["when_full"] = subscriber.WhenFull == WhenFull.Disconnect ? "disconnect" : "latest",
            ["codec"] = subscriber.Codec is { } codec ? CodecNames.Name(codec) : "as received",
            ["stream"] = subscriber.StreamId,
            ["offered"] = subscriber.Offered,
            ["sent"] = subscriber.Sent,
            ["dropped"] = subscriber.Dropped,
            ["unreadable"] = subscriber.Unreadable,
            ["queued"] = subscriber.Queued,
            ["max_queued"] = subscriber.MaxQueued,
            ["max_queued_bytes"] = subscriber.MaxQueuedBytes,
            ["queue_bytes_bound"] = subscriber.QueueBytesBound,
            ["full_by"] = subscriber.FullBy switch
            {
                QueueBound.Frames => "frames",
                QueueBound.SubscriberBytes => "subscriber_bytes",
                QueueBound.TotalBytes => "total_bytes",
                _ => null,
            },
            ["switched_to_latest"] = subscriber.SwitchedToLatestAt is not null,
            ["bytes"] = subscriber.Bytes,
            ["fps"] = Math.Round(subscriber.FramesPerSecond, 1),
            ["ended"] = subscriber.Ended,
        };
        if (refused is { } count)
        {
            state["refused"] = count;
        }

        return state;
    }

    /// <summary>"raw" for frames decoded to BGR24, the codec's name for each made.</summary>
    public static IReadOnlyDictionary<string, long> Made(IReadOnlyDictionary<Codec, long> conversions) =>
        new SortedDictionary<string, long>(conversions.ToDictionary(made => CodecNames.Name(made.Key), made => made.Value), StringComparer.Ordinal);

    private static string Name(DeliveryPolicy policy) => policy == DeliveryPolicy.Latest ? "latest" : "lossless";
}
