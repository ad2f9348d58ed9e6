using RawFrames.Client.Logging;
using RawFrames.Client.Nats;

namespace RawFrames.Client;

/// <summary>Frames from NATS subjects (PROTOCOL.md §19): each publisher on the subscription is a sender connection of its own.</summary>
public sealed partial class FrameReceiver
{
    private bool _natsDelivering;

    /// <summary>Subscribed on NATS: what the subscription counts (frames dropped, messages that were not frames); null for other receivers.</summary>
    public NatsSubscriberInfo? Nats { get; private init; }

    private static async Task<FrameReceiver> SubscribeNatsAsync(NatsAddress address, SubscriptionOptions subscription, FrameReceiverOptions options,
        CancellationToken cancellationToken)
    {
        string? unsupported = subscription.Codec is not null ? "Codec (choose the codec with the subject: SUBJECT.STREAM.CODEC)"
            : subscription.StreamId is not null ? "StreamId (choose streams with the subject: SUBJECT.STREAM.CODEC, wildcards allowed)"
            : options.Token is not null ? "Token (put NATS credentials in the URL)"
            : options.Tls is not null ? "Tls (write nats+tls://, with ?ca=PATH for a private CA)"
            : null;
        if (unsupported is not null)
        {
            throw new ArgumentException($"{address.Text}: the option {unsupported} does not apply to NATS", nameof(subscription));
        }

        bool latest = subscription.Policy == DeliveryPolicy.Latest;
        NatsFrameSubscription nats = await NatsFrameSubscription.SubscribeAsync(address, subscription.QueueFrames > 0 ? subscription.QueueFrames : 8, latest,
            subscription.ConnectTimeout, options.LoggerFactory, cancellationToken).ConfigureAwait(false);
        var receiver = new FrameReceiver(options, null, address.Text) { Nats = new NatsSubscriberInfo(nats, address.ServerUrl) };
        ClientLog.Subscribed(receiver._log, $"{nats.Subject} on {address.ServerUrl}", latest ? "nats, latest" : "nats, lossless");
        receiver._feeding = receiver.FeedNatsAsync(nats, address.ServerUrl, latest);
        return receiver;
    }


    // Each message to its publisher's link, in NATS's order; a new publisher is offered as a new connection. A
    // publisher silent for the idle timeout is taken for gone (its link lost); if it speaks again it is a new connection.
    private async Task FeedNatsAsync(NatsFrameSubscription nats, string server, bool latest)
    {
        var publishers = new Dictionary<string, NatsPublisherLink>();
        long ids = 0;
        using var sweeping = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        Task sweep = _options.IdleTimeout > TimeSpan.Zero ? SweepIdlePublishersAsync(publishers, sweeping.Token) : Task.CompletedTask;
        await using (nats.ConfigureAwait(false))
        {
            try
            {
                await foreach (NatsDelivery delivery in nats.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    if (delivery.Frame.Invalid is { } invalid)
                    {
                        delivery.Frame.Dispose();
                        ClientLog.InvalidNatsMessage(_log, delivery.Subject, invalid);
                        Nats!.OnInvalid(delivery.Subject, invalid);
                        continue;
                    }

                    NatsPublisherLink? link;
                    lock (publishers)
                    {
                        if (!publishers.TryGetValue(delivery.Publisher, out link) && !delivery.IsEnd)
                        {
                            publishers[delivery.Publisher] = link = new NatsPublisherLink(delivery.Publisher, server, latest, Nats!.OnDropped);
                            Offer(link, ids++, null);
                        }
                    }

                    if (link is null)
                    {
                        delivery.Frame.Dispose();
                        continue; // the end of a publisher whose frames all came before we subscribed, or that was taken for gone
                    }

                    // Under lossless a slow reader holds the whole subscription here; the other publishers' silence
                    // meanwhile is not theirs, so the sweep waits, and their clocks restart when it moves again.
                    Volatile.Write(ref _natsDelivering, true);
                    long started = System.Diagnostics.Stopwatch.GetTimestamp();
                    await link.DeliverAsync(delivery, _stop.Token).ConfigureAwait(false);
                    Volatile.Write(ref _natsDelivering, false);
                    if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > _options.IdleTimeout / 4) // longer than a sweep's period
                    {
                        lock (publishers)
                        {
                            foreach (NatsPublisherLink other in publishers.Values)
                            {
                                other.Heard();
                            }
                        }
                    }

                    if (link.Ended)
                    {
                        lock (publishers)
                        {
                            publishers.Remove(delivery.Publisher);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // stopped
            }

            await sweeping.CancelAsync().ConfigureAwait(false);
            await sweep.ConfigureAwait(false);
            foreach (NatsPublisherLink link in publishers.Values)
            {
                link.Complete();
            }
        }

        _incoming.Writer.TryComplete();
    }

    // Checked a few times per timeout, so a gone publisher is noticed at most a quarter of the timeout late.
    private async Task SweepIdlePublishersAsync(Dictionary<string, NatsPublisherLink> publishers, CancellationToken stop)
    {
        TimeSpan idleTimeout = _options.IdleTimeout;
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 10, idleTimeout.Ticks / 4)));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (Volatile.Read(ref _natsDelivering))
                {
                    continue; // a delivery is held up by its reader: nobody's silence counts now
                }

                lock (publishers)
                {
                    foreach ((string publisher, NatsPublisherLink link) in publishers.ToList())
                    {
                        if (link.ExpireIfIdle(idleTimeout))
                        {
                            publishers.Remove(publisher);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the subscription is over
        }
    }
}
