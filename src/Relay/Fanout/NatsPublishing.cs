using RawFrames.Client.Nats;
using RawFrames.Client;
using RawFrames.Streaming;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// rawframes-relay --publish nats://...: the relay's frames onto NATS (PROTOCOL.md §19), as one more subscriber of the
/// hub with a lossless queue that switches to latest when full, so NATS never slows the producers or the others.
/// A frame the server would refuse (over its max_payload) is counted and left out, with one log line.
/// </summary>
internal sealed class NatsPublishing(long id, NatsAddress address, FrameSender publisher, int queue, QueueBudget budget, Log log) : IHubSubscriber
{
    private long _published;
    private long _refused;

    public long Id => id;

    public SubscriberQueue Queue { get; } = new(DeliveryPolicy.Lossless, queue, WhenFull.SwitchToLatest, budget);

    public bool Wants(uint streamId) => true;

    public void OnOverflow()
    {
        // Under "switch to latest" there is no overflow to act on.
    }

    /// <summary>Publishes until the relay stops, then ends every subject with END.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (await Queue.TakeAsync(stop) is { } frame)
            {
                try
                {
                    await publisher.SendFrameAsync(FrameInfo.Of(frame.Header), frame.Payload, frame.Metadata, stop);
                    Interlocked.Increment(ref _published);
                }
                catch (IOException e)
                {
                    if (Interlocked.Increment(ref _refused) == 1)
                    {
                        log.Info($"--publish {address.Text}: {e.Message}");
                    }
                }
                finally
                {
                    frame.Release();
                }
            }

            await publisher.CompleteAsync();
        }
        catch (OperationCanceledException)
        {
            // the relay stopped before the queue drained
        }
        finally
        {
            Queue.Dispose();
        }
    }

    public IReadOnlyDictionary<string, object?> ToState() => new SortedDictionary<string, object?>(StringComparer.Ordinal)
    {
        ["id"] = Id,
        ["remote"] = address.Text,
        ["transport"] = "nats",
        ["policy"] = "lossless",
        ["policy_now"] = Queue.Policy == DeliveryPolicy.Latest ? "latest" : "lossless",
        ["offered"] = Queue.Offered,
        ["sent"] = Interlocked.Read(ref _published),
        ["dropped"] = Queue.Dropped,
        ["refused"] = Interlocked.Read(ref _refused),
        ["queued"] = Queue.Depth,
        ["max_queued"] = Queue.MaxDepth,
        ["max_queued_bytes"] = Queue.MaxDepthBytes,
        ["queue_bytes_bound"] = Queue.MaxBytes,
        ["full_by"] = Queue.FullBy.Name(),
    };
}
