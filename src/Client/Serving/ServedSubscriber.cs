using System.Diagnostics;
using RawFrames.Client.Serving;

namespace RawFrames.Client;

/// <summary>
/// One subscription a <see cref="FrameServer"/> serves, as it stands now: a consumer connected over the network
/// (<see cref="FrameServer.Subscribers"/>) or a <see cref="LocalSubscription"/> in the same process. Every count is
/// read live; an ended subscriber keeps its last ones and says why it ended.
/// </summary>
public abstract class ServedSubscriber
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _sent;
    private long _bytes;
    private long _unreadable;

    private protected ServedSubscriber(long id, string remote, string transport, DeliveryPolicy policy, WhenFull whenFull, Codec? codec, uint? streamId,
        SubscriberQueue queue)
    {
        Id = id;
        Remote = remote;
        Transport = transport;
        RequestedPolicy = policy;
        WhenFull = whenFull;
        Codec = codec;
        StreamId = streamId;
        Queue = queue;
    }

    /// <summary>The server's number for it: remote subscribers 1, 2, ... in the order they connected; local subscriptions -1, -2, ...</summary>
    public long Id { get; }

    /// <summary>Who it is: the peer's address, or the name a local subscription was given.</summary>
    public string Remote { get; }

    /// <summary>How its frames travel: tcp, unix, shm, or the label of a local subscription.</summary>
    public string Transport { get; }

    /// <summary>The policy it asked for (PROTOCOL.md §16).</summary>
    public DeliveryPolicy RequestedPolicy { get; }

    /// <summary>The policy in force: a lossless subscriber whose queue filled and switched says <see cref="DeliveryPolicy.Latest"/>.</summary>
    public DeliveryPolicy Policy => Queue.Policy;

    /// <summary>What a full lossless queue does.</summary>
    public WhenFull WhenFull { get; }

    /// <summary>The codec it asked for, made once per frame for every subscriber that wants it; null: frames as they came.</summary>
    public Codec? Codec { get; }

    /// <summary>The one stream it takes; null: every stream.</summary>
    public uint? StreamId { get; }

    /// <summary>Frames offered to it (every frame of the streams it takes).</summary>
    public long Offered => Queue.Offered;

    /// <summary>Frames it was given.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Payload bytes it was given.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Model inputs left out because it did not announce it can read them (PROTOCOL.md §7.2).</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>Frames dropped for it: replaced by newer ones under latest.</summary>
    public long Dropped => Queue.Dropped;

    /// <summary>Frames waiting for it now.</summary>
    public int Queued => Queue.Depth;

    /// <summary>The most frames that waited for it at once.</summary>
    public int MaxQueued => Queue.MaxDepth;

    /// <summary>The most bytes that waited for it at once.</summary>
    public long MaxQueuedBytes => Queue.MaxDepthBytes;

    /// <summary>Its lossless queue's bound in frames.</summary>
    public int QueueFrames => Queue.Capacity;

    /// <summary>Its lossless queue's bound in bytes (the server's, whatever the subscriber asked).</summary>
    public long QueueBytesBound => Queue.MaxBytes;

    /// <summary>Which bound filled its lossless queue, once one did.</summary>
    public QueueBound FullBy => Queue.FullBy;

    /// <summary>When its lossless queue filled and it went on under latest; null if it never did.</summary>
    public DateTimeOffset? SwitchedToLatestAt => Queue.SwitchedToLatestAt;

    /// <summary>Frames per second given to it since it came.</summary>
    public double FramesPerSecond => Stopwatch.GetElapsedTime(_started).TotalSeconds is > 0 and var seconds ? Sent / seconds : 0;

    /// <summary>Why it ended, in words ("end of subscription", "too slow: ..."); null while it is served.</summary>
    public string? Ended { get; private protected set; }

    internal SubscriberQueue Queue { get; }

    internal bool Wants(uint streamId) => StreamId is not { } only || only == streamId;

    /// <summary>Its lossless queue overflowed under "when full: disconnect"; called on the publishing thread, must not wait.</summary>
    internal abstract void OnOverflow();

    private protected void CountUnreadable() => Interlocked.Increment(ref _unreadable);

    private protected void Count(int payloadBytes)
    {
        Interlocked.Increment(ref _sent);
        Interlocked.Add(ref _bytes, payloadBytes);
    }
}
