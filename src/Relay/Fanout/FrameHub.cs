using RawFrames.Streaming.Sinks;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// Where incoming frames meet subscribers: each frame is copied once into a shared <see cref="RelayFrame"/> and
/// offered to every subscriber that wants its stream. Offering never waits (<see cref="SubscriberQueue.Offer"/>), so
/// the producer's connection runs at the producer's pace whatever the subscribers do. The relay's one sink.
/// </summary>
/// <param name="buffers">Where the copies' buffers come from (given back after a burst).</param>
internal sealed class FrameHub(FrameBuffers buffers) : IFrameSink
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
    /// Called on the producer's connection task for every frame; returns without waiting for anyone. The header's
    /// stream id is the one the relay delivers the stream under (PROTOCOL.md §16).
    /// </summary>
    public void OnFrame(in SinkFrame sunk)
    {
        Offer(sunk.Info.StreamId, (sunk, buffers), static state => RelayFrame.Copy(state.sunk.Info.ToWireHeader(state.sunk.Metadata.Length), state.sunk.Metadata.Span, state.sunk.Payload.Span, state.buffers));
    }

    /// <summary>Offers a frame the relay made (it gives up its reference), e.g. a batch of model inputs.</summary>
    public void Publish(RelayFrame frame)
    {
        if (!Offer(frame.Header.StreamId, frame, static made => made))
        {
            frame.Release();
        }
    }

    // The frame is made (copied) only when some subscriber wants its stream; false when nobody did. Static lambdas: no allocation.
    private bool Offer<TState>(uint streamId, TState state, Func<TState, RelayFrame> make)
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

            frame ??= make(state);
            if (!subscriber.Queue.Offer(frame) && subscriber.Queue.Overflowed)
            {
                subscriber.OnOverflow();
            }
        }

        if (frame is null)
        {
            Interlocked.Increment(ref _unwatched);
            return false;
        }

        frame.Release(); // the hub's own reference: the queues hold theirs
        return true;
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
