using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RawFrames.Client.Logging;
using RawFrames.Protocol.Transport;

namespace RawFrames.Client.Connecting;

/// <summary>
/// Connecting with backoff (50 ms doubling to 1 s), the one way every side that connects does it: a sender to its
/// receiver, a subscriber to its relay, a relay to the relay it follows. Start order does not matter: while nothing
/// listens, or the peer restarts or says it is shutting down, it tries again until the time allowed is up; a refusal
/// for a reason (a token, a version) ends it at once.
/// </summary>
internal static class Reconnector
{
    /// <param name="within">How long to keep trying; zero: until cancelled.</param>
    /// <param name="log">Told once, at the first failed attempt, what is wrong and that it keeps trying.</param>
    /// <param name="afterAccepted">Also try again when a peer accepted and then cut the opening (a receiver restarting);
    /// false for a side that gives up on a lost connection (--no-reconnect): only "nothing listens yet" is waited out.</param>
    /// <exception cref="ConnectFailedException">Nobody answered within <paramref name="within"/>.</exception>
    /// <exception cref="ProtocolException">The peer refused for a reason that another attempt would not change.</exception>
    public static async Task<FrameConnection> ConnectAsync(FrameEndpoint endpoint, ConnectionOptions options, TimeSpan within, ILogger log,
        CancellationToken cancellationToken, bool afterAccepted = true)
    {
        long started = Stopwatch.GetTimestamp();
        var backoff = default(Backoff);
        while (true)
        {
            try
            {
                return await FrameConnection.ConnectAsync(endpoint, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsWorthRetrying(e, afterAccepted) && e is not OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                // Cancelled between attempts: that, not the last attempt's failure, is why it ends.
                throw new OperationCanceledException("connecting was cancelled", e, cancellationToken);
            }
            catch (Exception e) when (IsWorthRetrying(e, afterAccepted) && !cancellationToken.IsCancellationRequested
                                      && (within == TimeSpan.Zero || Stopwatch.GetElapsedTime(started) + backoff.Current < within))
            {
                if (backoff.Current == Backoff.First)
                {
                    ClientLog.Retrying(log, e.Message, within == TimeSpan.Zero
                        ? "until it answers"
                        : $"for up to {within.TotalSeconds:0.#} s");
                }

                await Task.Delay(backoff.Next(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Not up yet, starting, or going down: worth another try. A refusal for a reason (a limit aside) is not; nor,
    /// unless <paramref name="afterAccepted"/>, anything after a peer accepted the connection.
    /// </summary>
    public static bool IsWorthRetrying(Exception e, bool afterAccepted = true) => e switch
    {
        ConnectFailedException c => c.IsWorthRetrying,
        _ when !afterAccepted => false,
        ProtocolException p => p.Code is ErrorCode.TruncatedStream or ErrorCode.ShuttingDown or ErrorCode.Timeout or ErrorCode.ConnectionLimit, // Timeout: the opening took too long, the peer is starting or busy
        SocketException or IOException => true,
        _ => false,
    };
}
