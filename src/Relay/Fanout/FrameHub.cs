using RawFrames.Protocol;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// Where incoming frames meet subscribers: each frame is copied once into a shared <see cref="RelayFrame"/> and
/// offered to every subscriber that wants its stream. Offering never waits (<see cref="SubscriberQueue.Offer"/>), so
/// the producer's connection runs at the producer's pace whatever the subscribers do.
/// </summary>
internal sealed class FrameHub
{
    private readonly Lock _lock = new();
    private IHubSubscriber[] _subscribers = [];
    private readonly List<IHubSubscriber> _ended = [];
    private long _frames;
    private long _unwatched;

    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Frames no subscriber wanted: never copied.</summary>
    public long Unwatched => Interlocked.Read(ref _unwatched);

    public int Count => Volatile.Read(ref _subscribers).Length;

    public void Add(IHubSubscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }
    }

    /// <summary>A subscriber whose task ended: no more offers; kept for the summary.</summary>
    public void Remove(IHubSubscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscriber)];
            _ended.Add(subscriber);
        }
    }

    /// <summary>
    /// Called on the producer's connection task for every frame; returns without waiting for anyone.
    /// <paramref name="streamId"/> is the id the relay delivers the frame's stream under (PROTOCOL.md §16).
    /// </summary>
    public void Publish(in Message message, uint streamId)
    {
        Interlocked.Increment(ref _frames);
        IHubSubscriber[] subscribers = Volatile.Read(ref _subscribers);
        RelayFrame? frame = null;
        foreach (IHubSubscriber subscriber in subscribers)
        {
            if (!subscriber.Wants(streamId))
            {
                continue;
            }

            frame ??= RelayFrame.Copy(message.Frame with { StreamId = streamId }, message.Metadata, message.Payload);
            if (!subscriber.Queue.Offer(frame) && subscriber.Queue.Overflowed)
            {
                subscriber.OnOverflow();
            }
        }

        if (frame is null)
        {
            Interlocked.Increment(ref _unwatched);
            return;
        }

        frame.Release(); // the hub's own reference: the queues hold theirs
    }

    /// <summary>Ends every subscription after what is queued (the relay is stopping).</summary>
    public void CompleteAll()
    {
        foreach (IHubSubscriber subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Queue.Complete();
        }
    }

    /// <summary>Every subscriber, current and ended, as /state and the summary show them.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> State()
    {
        lock (_lock)
        {
            return [.. _subscribers.Concat(_ended).OrderBy(s => s.Id).Select(s => s.ToState())];
        }
    }
}
