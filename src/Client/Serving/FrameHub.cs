using System.Buffers;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Serving;

/// <summary>
/// Where published frames meet subscribers: each frame is copied once into a shared <see cref="SharedFrame"/> and
/// offered to every subscriber that wants its stream. Offering never waits (<see cref="SubscriberQueue.Offer"/>), so
/// the publisher runs at its own pace whatever the subscribers do.
/// </summary>
/// <param name="buffers">Where the copies' buffers come from (given back after a burst).</param>
internal sealed class FrameHub(FrameBuffers buffers)
{
    private readonly Lock _lock = new();
    private ServedSubscriber[] _subscribers = [];
    private readonly List<ServedSubscriber> _ended = [];
    private long _unwatched;

    /// <summary>Frames no subscriber wanted: never copied.</summary>
    public long Unwatched => Interlocked.Read(ref _unwatched);

    public int Count => Volatile.Read(ref _subscribers).Length;

    public void Add(ServedSubscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }
    }

    /// <summary>A subscriber that ended: no more offers; kept for <see cref="All"/>.</summary>
    public void Remove(ServedSubscriber subscriber)
    {
        lock (_lock)
        {
            if (_subscribers.Contains(subscriber))
            {
                _subscribers = [.. _subscribers.Where(s => s != subscriber)];
                _ended.Add(subscriber);
            }
        }
    }

    /// <summary>A frame copied when some subscriber wants its stream; returns without waiting for anyone. False: nobody did.</summary>
    public bool Publish(in FrameHeader header, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> payload)
    {
        ServedSubscriber[] subscribers = Volatile.Read(ref _subscribers);
        SharedFrame? frame = null;
        foreach (ServedSubscriber subscriber in subscribers)
        {
            if (subscriber.Wants(header.StreamId))
            {
                frame ??= SharedFrame.Copy(header, metadata, payload, buffers);
                Offer(subscriber, frame);
            }
        }

        return Offered(frame);
    }

    /// <summary>A frame whose payload the server now owns (given back when the last subscriber is done, or now when nobody wants it).</summary>
    public bool Publish(in FrameHeader header, ReadOnlySpan<byte> metadata, IMemoryOwner<byte> payload, int length)
    {
        var frame = SharedFrame.Adopt(header, metadata.ToArray(), payload, length);
        bool wanted = false;
        foreach (ServedSubscriber subscriber in Volatile.Read(ref _subscribers))
        {
            if (subscriber.Wants(header.StreamId))
            {
                Offer(subscriber, frame);
                wanted = true;
            }
        }

        return Offered(wanted ? frame : Released(frame));
    }

    /// <summary>Ends every subscription after what is queued (the server is stopping).</summary>
    public void CompleteAll()
    {
        foreach (ServedSubscriber subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Queue.Complete();
        }
    }

    /// <summary>Every subscriber, current and ended, by id.</summary>
    public IReadOnlyList<ServedSubscriber> All()
    {
        lock (_lock)
        {
            return [.. _subscribers.Concat(_ended).OrderBy(s => s.Id)];
        }
    }

    private static void Offer(ServedSubscriber subscriber, SharedFrame frame)
    {
        if (!subscriber.Queue.Offer(frame) && subscriber.Queue.Overflowed)
        {
            subscriber.OnOverflow();
        }
    }

    // The publisher's own reference goes: the queues hold theirs.
    private bool Offered(SharedFrame? frame)
    {
        if (frame is null)
        {
            Interlocked.Increment(ref _unwatched);
            return false;
        }

        frame.Release();
        return true;
    }

    private static SharedFrame? Released(SharedFrame frame)
    {
        frame.Release();
        return null;
    }
}
