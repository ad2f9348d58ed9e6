using System.Diagnostics;

namespace RawFrames.Protocol.Transport;

/// <summary>
/// PROTOCOL.md §5 and §11 on one connection: pings the peer at a third of the shorter idle timeout of the two HELLOs,
/// and when nothing at all has arrived for this side's own timeout, reports the peer gone. Pings flow both ways, so
/// a sender whose frames queue behind a slow receiver still hears from it on the quiet direction.
/// </summary>
internal sealed class LivenessWatch : IAsyncDisposable
{
    private static readonly TimeSpan s_pingWait = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;

    private LivenessWatch(TimeSpan pingEvery, TimeSpan timeout, MessageInput reader, MessageWriter writer, Func<string, Task> onTimeout)
    {
        _watching = Task.Run(() => WatchAsync(pingEvery, timeout, reader, writer, onTimeout));
    }

    /// <summary>Starts watching, or returns null when neither side has an idle timeout.</summary>
    /// <param name="onTimeout">Called once, with the reason, when this side's timeout expires.</param>
    public static LivenessWatch? Start(TimeSpan ownTimeout, TimeSpan peerTimeout, MessageInput reader, MessageWriter writer, Func<string, Task> onTimeout)
    {
        TimeSpan shorter = ownTimeout <= TimeSpan.Zero ? peerTimeout : peerTimeout <= TimeSpan.Zero ? ownTimeout : TimeSpan.FromTicks(Math.Min(ownTimeout.Ticks, peerTimeout.Ticks));
        return shorter <= TimeSpan.Zero ? null : new LivenessWatch(shorter / 3, ownTimeout, reader, writer, onTimeout);
    }

    private async Task WatchAsync(TimeSpan pingEvery, TimeSpan timeout, MessageInput reader, MessageWriter writer, Func<string, Task> onTimeout)
    {
        // Checked a few times per ping interval, so the timeout fires at most a quarter interval late.
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 10, pingEvery.Ticks / 4)));
        long lastPing = Stopwatch.GetTimestamp();
        ulong token = 0;
        Task pinging = Task.CompletedTask;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (timeout > TimeSpan.Zero && Stopwatch.GetElapsedTime(reader.LastReceivedTimestamp) > timeout)
                {
                    // A ping still going out holds the writer: let it finish (briefly) so the ERROR can follow it.
                    await Task.WhenAny(pinging, Task.Delay(s_pingWait, CancellationToken.None)).ConfigureAwait(false);
                    await onTimeout($"nothing received for {timeout.TotalSeconds:0.###} s (idle timeout): the peer is gone or the link is stalled").ConfigureAwait(false);
                    return;
                }

                // One PING at a time, not awaited here: a ping queued behind a frame the peer is slow to take must not
                // keep this loop from checking the timeout.
                if (Stopwatch.GetElapsedTime(lastPing) >= pingEvery && pinging.IsCompleted)
                {
                    lastPing = Stopwatch.GetTimestamp();
                    pinging = PingAsync(writer, ++token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed with the connection.
        }

        await pinging.ConfigureAwait(false);
    }

    private async Task PingAsync(MessageWriter writer, ulong token)
    {
        try
        {
            await writer.WritePingAsync(token, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is closing, or broke: the timeout (or the reader) reports it, not this.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _watching.ConfigureAwait(false);
        _stop.Dispose();
    }
}
