using RawFrames.Client;
using RawFrames.Programs;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// rawframes-relay --publish nats://...: the relay's frames onto NATS (PROTOCOL.md §19), as one more subscriber of the
/// relay's server with a lossless queue that switches to latest when full, so NATS never slows the producers or the
/// others. A frame the server would refuse (over its max_payload) is counted and left out, with one log line.
/// </summary>
internal sealed class NatsPublishing(NatsEndpoint address, FrameSender publisher, LocalSubscription subscription, Log log)
{
    private long _refused;

    /// <summary>Frames the NATS server would not take (over its max_payload).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public LocalSubscription Subscription => subscription;

    /// <summary>Publishes until the relay stops, then ends every subject with END.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await foreach (ServedFrame frame in subscription.ReadAllAsync(stop))
            {
                try
                {
                    await publisher.SendFrameAsync(frame.Info, frame.Payload, frame.Metadata, stop);
                }
                catch (IOException e)
                {
                    if (Interlocked.Increment(ref _refused) == 1)
                    {
                        log.Info($"--publish {address.Display}: {e.Message}");
                    }
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
            await subscription.DisposeAsync();
        }
    }
}
