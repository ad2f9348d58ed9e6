using RawFrames.Client;
using System.Diagnostics;
using System.Net.Sockets;
using RawFrames.Client.Sending;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// One consumer connected to the relay: its subscription (HELLO option 3), its queue, and the task that sends what
/// the queue gives it through a producer session (the library's, as for any sender: what the subscriber sends back,
/// END, ERROR or the connection lost, ends it). Everything slow about a subscriber happens on its own task, so the
/// hub never waits for it.
/// </summary>
internal sealed class Subscriber : IHubSubscriber
{
    private static readonly TimeSpan s_overflowGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_endWait = TimeSpan.FromSeconds(1);
    private readonly FrameConnection _connection;
    private readonly Transcoder _transcoder;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _sent;
    private long _bytes;

    private readonly Action<FrameResult>? _onResult;

    /// <param name="onResult">The subscriber's RESULTs (e.g. a model's detections), when the relay records them.</param>
    public Subscriber(long id, FrameConnection connection, Subscription subscription, int defaultQueue, QueueBudget budget, Transcoder transcoder,
        Action<FrameResult>? onResult = null)
    {
        _onResult = onResult;
        Id = id;
        _connection = connection;
        _transcoder = transcoder;
        Subscription = subscription;
        Queue = new SubscriberQueue(subscription.Policy, subscription.QueueFrames > 0 ? subscription.QueueFrames : defaultQueue, subscription.WhenFull, budget);
    }

    public long Id { get; }

    public Subscription Subscription { get; }

    public SubscriberQueue Queue { get; }

    /// <summary>Why the subscription ended, once it has.</summary>
    public string? Ended { get; private set; }

    public bool Wants(uint streamId) => Subscription.StreamId is not { } only || only == streamId;

    /// <summary>
    /// The send loop says TooSlow as soon as its frame in progress is out; a subscriber that stopped reading keeps that
    /// write blocked, so after a grace period the connection is cut instead (no ERROR can pass a stalled socket).
    /// </summary>
    public void OnOverflow() => _ = Task.Run(async () =>
    {
        await Task.Delay(s_overflowGrace);
        if (Ended is null)
        {
            _connection.Abort();
        }
    });

    /// <summary>Sends queued frames until the relay stops, the subscriber leaves, or it overflows its lossless queue.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        await using var session = new ProducerSession(_connection, acks: null, onResult: _onResult);
        // The subscriber's END, ERROR or the connection lost ends the queue, and so the send loop, between two frames.
        using CancellationTokenRegistration ended = session.Ended.Register(Queue.Complete);
        try
        {
            await SendAsync(session, stop);
            Ended = session.End is { } end ? Describe(end) : "the relay stopped";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Ended = session.End is { } end ? Describe(end) : $"connection lost: {e.Message}";
        }
        catch (OperationCanceledException)
        {
            Ended = "the relay stopped";
        }
        finally
        {
            Queue.Complete();
            if (Queue.Overflowed)
            {
                Ended = $"too slow: its lossless queue was full ({Queue.FullBy.Describe(Queue)})";
                await session.FailAsync(ErrorCode.TooSlow, $"the relay's queue for this subscriber was full ({Queue.FullBy.Describe(Queue)}): read faster, subscribe with a larger queue, or subscribe to the latest frame only");
            }
            else if (session.End is null or { Kind: SenderEndKind.ReceiverEnded })
            {
                // PROTOCOL.md §4.2: our END answers the subscriber's, or tells it the relay has no more frames.
                await session.EndAsync(s_endWait);
            }

            Queue.Dispose();
        }
    }

    public IReadOnlyDictionary<string, object?> ToState()
    {
        double seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        long sent = Interlocked.Read(ref _sent);
        return new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = Id,
            ["remote"] = _connection.Remote,
            ["transport"] = _connection.TransportName,
            ["policy"] = Subscription.Policy == DeliveryPolicy.Latest ? "latest" : "lossless",
            ["policy_now"] = Queue.Policy == DeliveryPolicy.Latest ? "latest" : "lossless",
            ["when_full"] = Subscription.WhenFull == WhenFull.Disconnect ? "disconnect" : "latest",
            ["codec"] = Subscription.Codec is { } codec ? CodecNames.Name(codec) : "as received",
            ["stream"] = Subscription.StreamId,
            ["offered"] = Queue.Offered,
            ["sent"] = sent,
            ["dropped"] = Queue.Dropped,
            ["queued"] = Queue.Depth,
            ["max_queued"] = Queue.MaxDepth,
            ["max_queued_bytes"] = Queue.MaxDepthBytes,
            ["queue_bytes_bound"] = Queue.MaxBytes,
            ["full_by"] = Queue.FullBy.Name(),
            ["switched_to_latest"] = Queue.SwitchedToLatestAt is not null,
            ["bytes"] = Interlocked.Read(ref _bytes),
            ["fps"] = seconds > 0 ? Math.Round(sent / seconds, 1) : 0,
            ["ended"] = Ended,
        };
    }

    private async Task SendAsync(ProducerSession session, CancellationToken stop)
    {
        while (await Queue.TakeAsync(stop) is { } frame)
        {
            try
            {
                if (session.End is not null)
                {
                    return;
                }

                (FrameHeader header, ReadOnlyMemory<byte> payload) = frame.As(Subscription.Codec, _transcoder);
                await session.SendAsync(header, frame.Metadata, payload, reply: null, stop);
                Interlocked.Increment(ref _sent);
                Interlocked.Add(ref _bytes, payload.Length);
            }
            finally
            {
                frame.Release();
            }
        }
    }

    private static string Describe(SenderEnd end) => end.Kind == SenderEndKind.ReceiverEnded ? "end of subscription" : end.Reason;
}
