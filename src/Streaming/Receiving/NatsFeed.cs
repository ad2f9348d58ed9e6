using RawFrames.Client;
using RawFrames.Client.Nats;
using RawFrames.Protocol.Wire;

namespace RawFrames.Streaming.Receiving;

/// <summary>
/// A NATS subscription → the sinks, for the receiver and the relay: each publisher (PROTOCOL.md §19, by its
/// RawFrames-Publisher id) is a sender of its own in the <see cref="ConnectionFeed"/>, so its streams are kept apart
/// from other publishers' and its gaps counted; it ends when it has sent END on every subject it used.
/// </summary>
internal sealed class NatsFeed(ConnectionFeed feed, Log log, Func<long> nextSenderId, Action<string, string> onError)
{
    private readonly Dictionary<string, (ConnectionFeed.FeedSession Session, HashSet<string> Subjects)> _publishers = [];

    /// <summary>Publishers being received now.</summary>
    public int Publishers => Volatile.Read(ref _count);

    private int _count;

    /// <summary>Until <paramref name="stop"/>, or with <paramref name="once"/> the first publisher's end; each publisher's streams go to <paramref name="onEnded"/>.</summary>
    public async Task RunAsync(NatsFrameSubscription subscription, bool once, Action<FeedResult> onEnded, CancellationToken stop)
    {
        try
        {
            await foreach (NatsDelivery delivery in subscription.ReadAllAsync(stop).ConfigureAwait(false))
            {
                using IncomingFrame frame = delivery.Frame;
                if (!_publishers.TryGetValue(delivery.Publisher, out var publisher))
                {
                    if (delivery.IsEnd)
                    {
                        continue; // the end of a publisher whose frames all came before we subscribed
                    }

                    long id = nextSenderId();
                    _publishers[delivery.Publisher] = publisher = (feed.Open(id, id, $"nats publisher {Short(delivery.Publisher)}", sharesClock: false), []);
                    Interlocked.Increment(ref _count);
                    log.Info($"publisher {Short(delivery.Publisher)} on {delivery.Subject}");
                }

                if (delivery.IsEnd)
                {
                    publisher.Subjects.Remove(delivery.Subject);
                    if (publisher.Subjects.Count == 0)
                    {
                        onEnded(await EndAsync(delivery.Publisher, "end of stream").ConfigureAwait(false));
                        if (once)
                        {
                            break;
                        }
                    }

                    continue;
                }

                if (frame.Invalid is { } invalid)
                {
                    onError(nameof(ErrorCode.MalformedMessage), $"{delivery.Subject}: {invalid}");
                    continue;
                }

                publisher.Subjects.Add(delivery.Subject);
                await publisher.Session.OnFrameAsync(frame.Header, frame.Payload, frame.Metadata).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // --frames reached, or stopped
        }

        foreach (string id in _publishers.Keys.ToArray())
        {
            onEnded(await EndAsync(id, "still publishing when this side stopped").ConfigureAwait(false));
        }
    }

    private async Task<FeedResult> EndAsync(string publisher, string reason)
    {
        (ConnectionFeed.FeedSession session, _) = _publishers[publisher];
        _publishers.Remove(publisher);
        Interlocked.Decrement(ref _count);
        await session.DisposeAsync().ConfigureAwait(false);
        return session.Result(new ConnectionEnd(ConnectionEndKind.Ended, reason));
    }

    private static string Short(string publisher) => publisher.Length > 8 ? publisher[..8] : publisher;
}
