using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Streaming.Receiving;

namespace RawFrames.Relay;

/// <summary>Frames into the hub: producers, an upstream relay (chaining), each connection under a key of its own.</summary>
internal sealed partial class RelayRun
{
    // Chaining relays: this relay is a subscriber of another, and follows it across restarts (but with --once).
    private async Task FollowUpstreamAsync(FrameEndpoint from)
    {
        var subscription = new SubscriptionOptions { Policy = options.UpstreamPolicy, Follow = !options.Once, ConnectTimeout = TimeSpan.Zero };
        FrameReceiver upstream;
        try
        {
            upstream = await FrameReceiver.SubscribeAsync(from.Text, subscription, ReceiverOptions(), _stopConnecting.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ProtocolException e)
        {
            // Refused for a reason another attempt would not change (a version, a subscription it cannot serve).
            _log.Info($"upstream {from} refused the subscription: {e.Message}");
            Interlocked.Increment(ref _errors);
            return;
        }

        await using (upstream)
        {
            Volatile.Write(ref _upstream, upstream);
            if (Volatile.Read(ref _ingestStopping) != 0)
            {
                _ = upstream.StopAsync(shuttingDown: true);
            }

            // Negative keys keep the upstream's connections apart from the producers' numbers.
            await IngestAllAsync(upstream, connection => -1 - connection.Id, countsAsProducer: false);
        }
    }

    private async Task IngestAllAsync(FrameReceiver receiver, Func<SenderConnection, long> key, bool countsAsProducer)
    {
        var ingesting = new List<Task>();
        await foreach (SenderConnection connection in receiver.AcceptAllAsync(CancellationToken.None))
        {
            ingesting.Add(IngestAsync(connection, key(connection), countsAsProducer));
        }

        await Task.WhenAll(ingesting);
    }

    // One producer connection (a NATS publisher, or one upstream subscription) into the hub, under its own key.
    private async Task IngestAsync(SenderConnection connection, long key, bool countsAsProducer)
    {
        if (countsAsProducer)
        {
            Interlocked.Increment(ref _producerCount);
        }

        FeedResult result = await _feed!.RunAsync(connection, key);
        if (result.End.Kind == ConnectionEndKind.ProtocolError)
        {
            Interlocked.Increment(ref _errors);
        }

        if (options.Once)
        {
            StopIngest(shuttingDown: false);
        }
    }
}
