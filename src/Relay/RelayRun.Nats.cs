using RawFrames.Client.Nats;
using RawFrames.Client;
using RawFrames.Relay.Fanout;
using RawFrames.Streaming.Cli;

namespace RawFrames.Relay;

/// <summary>The relay's bridges to NATS (PROTOCOL.md §19): publishers on NATS into the hub, the hub onto NATS.</summary>
internal sealed partial class RelayRun
{
    // --publish nats://...: one more hub subscriber, publishing; its task ends when the hub completes it.
    private async Task<Task> PublishToNatsAsync()
    {
        if (options.NatsPublish is not { } address)
        {
            return Task.CompletedTask;
        }

        FrameSender publisher;
        try
        {
            publisher = await FrameSender.ConnectAsync(address.Endpoint,
                new FrameSenderOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Software = "rawframes-relay", LoggerFactory = _log.Factory }, _stopServing.Token);
        }
        catch (Exception e) when (e is IOException or ProtocolException)
        {
            throw RunFailedException.Usage($"--publish {address.Text}: {e.Message}");
        }

        var publishing = new NatsPublishing(Interlocked.Increment(ref _subscriberIds), address, publisher, options.Queue, options.QueueBudget, _log);
        _hub.Add(publishing);
        _log.Info($"publishing on {address.ServerUrl} under {address.Subject}.STREAM.CODEC");
        return RunAndDisposeAsync();

        async Task RunAndDisposeAsync()
        {
            await using (publisher)
            {
                await publishing.RunAsync(_stopServing.Token);
            }
        }
    }

    // NATS into the hub: each publisher is a producer of its own (PROTOCOL.md §19); NATS.Net reconnects by itself.
    private async Task FollowNatsAsync(NatsAddress address)
    {
        var subscription = new SubscriptionOptions { Policy = options.UpstreamPolicy, QueueFrames = options.Queue, ConnectTimeout = TimeSpan.FromSeconds(10) };
        FrameReceiver nats;
        try
        {
            nats = await FrameReceiver.SubscribeAsync(address.Endpoint, subscription, ReceiverOptions(), _stopConnecting.Token);
        }
        catch (Exception e) when (e is IOException or ProtocolException)
        {
            _log.Info(e.Message);
            Interlocked.Increment(ref _errors);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await using (nats)
        {
            _log.Info($"subscribed to {address.SubscriptionSubject} on {address.ServerUrl}");
            nats.Nats!.InvalidMessage = (subject, problem) =>
            {
                _log.Info($"{subject}: {problem}");
                Interlocked.Increment(ref _errors);
            };
            Volatile.Write(ref _upstream, nats);
            if (Volatile.Read(ref _ingestStopping) != 0)
            {
                _ = nats.StopAsync(shuttingDown: true);
            }

            // Keys far below the upstream relay's keep NATS publishers apart from every other sender.
            await IngestAllAsync(nats, connection => (long.MinValue / 2) + connection.Id, countsAsProducer: true);
        }
    }
}
