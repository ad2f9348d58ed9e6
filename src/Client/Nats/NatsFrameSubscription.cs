using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace RawFrames.Client.Nats;

/// <summary>A message of a frame subscription: a frame (or what was wrong with it), or a publisher's END on a subject.</summary>
internal readonly record struct NatsDelivery(string Subject, string Publisher, bool IsEnd, IncomingFrame Frame);

/// <summary>
/// Frames from NATS (PROTOCOL.md §19), subscribed before it returns (the server has the subscription, so nothing
/// published after is missed). Policy: <c>latest</c> keeps only the newest frame waiting (older ones dropped, counted);
/// <c>lossless</c> holds up to <c>queue</c> frames and then waits, which NATS may answer by cutting the connection as a
/// slow consumer; NATS.Net connects again, and the frames missed meanwhile show as sequence gaps.
/// </summary>
internal sealed class NatsFrameSubscription : IAsyncDisposable
{
    private readonly NatsConnection _nats;
    private readonly INatsSub<IncomingFrame> _subscription;
    private const int LatestQueue = 64;
    private long _dropped;

    private NatsFrameSubscription(NatsConnection nats, INatsSub<IncomingFrame> subscription)
    {
        _nats = nats;
        _subscription = subscription;
        nats.MessageDropped += (_, _) =>
        {
            Interlocked.Increment(ref _dropped);
            return default;
        };
    }

    /// <summary>Frames dropped on this side: superseded under latest, or over the queue.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public string Subject => _subscription.Subject;

    /// <exception cref="ConnectFailedException">No server answered within <paramref name="connectTimeout"/>.</exception>
    /// <exception cref="ProtocolException">The server refused the credentials.</exception>
    public static async Task<NatsFrameSubscription> SubscribeAsync(NatsAddress address, int queue, bool latest, TimeSpan connectTimeout,
        ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        // Under latest the newest frame is kept per publisher, after this queue, where each frame dropped is counted as
        // it is dropped: frames are handed on without waiting, so this queue only fills when the network outruns the
        // hand-over, and then it waits (NATS.Net reports its own drops late, on a background task).
        NatsOpts channel = NatsOpts.Default with
        {
            SubPendingChannelCapacity = latest ? LatestQueue : Math.Max(1, queue),
            SubPendingChannelFullMode = BoundedChannelFullMode.Wait,
        };
        NatsConnection nats = await NatsConnecting.ConnectAsync(address, "rawframes-recv", connectTimeout, loggers, cancellationToken, channel).ConfigureAwait(false);
        try
        {
            INatsSub<IncomingFrame> subscription = await nats.SubscribeCoreAsync(address.SubscriptionSubject, serializer: NatsFrameSerializer.Instance,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            await nats.PingAsync(cancellationToken).ConfigureAwait(false); // the server has processed the subscription
            return new NatsFrameSubscription(nats, subscription);
        }
        catch
        {
            await nats.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Every message until cancelled; dispose each delivery's frame when done with it.</summary>
    public async IAsyncEnumerable<NatsDelivery> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (NatsMsg<IncomingFrame> message in _subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            string publisher = message.Headers is { } headers && headers.TryGetValue(NatsFrameHeaders.Publisher, out var id) ? id.ToString() : "";
            bool isEnd = message.Headers?.ContainsKey(NatsFrameHeaders.End) == true;
            yield return new NatsDelivery(message.Subject, publisher, isEnd, message.Data ?? IncomingFrame.Parse(default));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _subscription.DisposeAsync().ConfigureAwait(false);
        await _nats.DisposeAsync().ConfigureAwait(false);
    }
}
