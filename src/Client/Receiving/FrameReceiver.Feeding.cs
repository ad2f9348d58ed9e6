using RawFrames.Client.Connecting;
using RawFrames.Client.Logging;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>Where a receiver's connections come from: its acceptor, or the relay it follows; each offered to the application and closed when done.</summary>
public sealed partial class FrameReceiver
{
    private static ConnectionOptions ConnectionOptions(FrameReceiverOptions options) => new()
    {
        Role = PeerRole.Consumer,
        MaxMessageLength = options.MaxMessageLength,
        // A receiver can always acknowledge, answer with RESULTs and read shared memory on a Unix socket; it does
        // each when the sender asks (PROTOCOL.md §10, §15).
        Capabilities = Capabilities.Ack | Capabilities.Result | Capabilities.SharedMemory | Capabilities.ModelInputs,
        IdleTimeout = options.IdleTimeout,
        Software = options.Software,
        Token = options.Token,
        ServerTls = options.Tls?.ForServer(),
        ClientTls = options.Tls is { } tls ? tls.ForClient : null,
    };

    private async Task FeedAcceptedAsync()
    {
        await foreach (ConnectionAcceptor.Admission admission in _acceptor!.AcceptAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            Offer(admission.Connection, admission.Id, admission);
        }

        _incoming.Writer.TryComplete();
    }

    // One subscription, or with Follow a new one whenever the relay goes away, until stopped.
    private async Task FollowAsync(FrameEndpoint relay, ConnectionOptions request, SubscriptionOptions subscription, FrameConnection first)
    {
        FrameConnection? next = first;
        var backoff = default(Backoff);
        for (long id = 0; next is not null; id++)
        {
            ClientLog.Subscribed(_log, next.Remote, next.TransportName);
            SenderConnection connection = Offer(next, id, null);
            next = null;
            if (!subscription.Follow)
            {
                break;
            }

            await Task.WhenAny(connection.Closed, Task.Delay(Timeout.Infinite, _stop.Token)).ConfigureAwait(false);
            while (next is null && !_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(backoff.Next(), _stop.Token).ConfigureAwait(false);
                    next = await Reconnector.ConnectAsync(relay, request, subscription.ConnectTimeout, _log, _stop.Token).ConfigureAwait(false);
                    backoff.Reset();
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or ProtocolException)
                {
                    if (!_stop.IsCancellationRequested)
                    {
                        ClientLog.Retrying(_log, $"{relay}: {e.Message}", "after a pause");
                    }
                }
            }
        }

        _incoming.Writer.TryComplete();
    }

    private SenderConnection Offer(IFrameLink frameConnection, long id, IDisposable? admission)
    {
        var connection = new SenderConnection(frameConnection, id, _codecs, _log, _options.IdleTimeout > TimeSpan.Zero ? _options.IdleTimeout : TimeSpan.FromSeconds(15),
            () => _ = CloseAsync(id));
        _open[id] = (connection, admission);
        ClientLog.Accepted(_log, connection.Remote, connection.Software ?? "unnamed sender", connection.Transport);
        switch (Volatile.Read(ref _stopping))
        {
            case Stopping:
                _ = connection.StopAsync();
                break;
            case ShuttingDown:
                _ = connection.ShutDownAsync(ShutdownReason);
                break;
        }

        _incoming.Writer.TryWrite(connection);
        return connection;
    }

    // A connection that ended: its socket closed and its place freed.
    private async Task CloseAsync(long id)
    {
        if (_open.TryRemove(id, out (SenderConnection Connection, IDisposable? Admission) entry))
        {
            await entry.Connection.CloseAsync().ConfigureAwait(false);
            entry.Admission?.Dispose();
        }
    }
}
