using System.Net.Sockets;
using RawFrames.Client;
using RawFrames.Protocol.Transport.SharedMemory;
using RawFrames.Protocol.Transport.Sockets;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>How a connection ends (PROTOCOL.md §4.2, §4.3, §9): END, ERROR, a cut, the idle timeout, and disposal.</summary>
internal sealed partial class FrameConnection
{
    /// <summary>
    /// PROTOCOL.md §4.2: sends END once (later calls do nothing), after the replies owed before it, bounded in time.
    /// From a producer: no more frames follow. From a consumer: stop sending. Either way the peer answers with its own
    /// END and the connection ends.
    /// </summary>
    public async Task SendEndAsync()
    {
        if (Interlocked.Exchange(ref _endSent, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(s_closeGrace);
        try
        {
            await _replies.FlushedAsync().WaitAsync(cts.Token).ConfigureAwait(false);
            await _writer.WriteEndAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException or SocketException or ObjectDisposedException)
        {
            // The peer left already (or this side closed): it needs no END, and nothing it sent is lost on this side.
        }
    }

    /// <summary>
    /// Tells the peer why the connection ends (best effort, bounded in time). At most one ERROR goes out per
    /// connection, and none for <see cref="ErrorCode.TruncatedStream"/> (PROTOCOL.md §9: the peer is gone).
    /// </summary>
    public async Task SendErrorAsync(ErrorCode code, string reason)
    {
        if (code == ErrorCode.TruncatedStream || Interlocked.Exchange(ref _errorSent, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(s_closeGrace);
        try
        {
            await _writer.WriteErrorAsync(new ErrorMessage(code, reason), cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The peer is already gone; the error is still logged on this side.
        }
    }

    /// <summary>
    /// Cuts the connection without a goodbye (the peer is gone or stalled): a read or write blocked on it fails at once.
    /// Dispose still follows.
    /// </summary>
    public void Abort()
    {
        _sharedOut?.Fail("the connection was cut");
        _transport.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_liveness is not null)
        {
            await _liveness.DisposeAsync().ConfigureAwait(false);
        }

        _sharedOut?.Fail("the connection is closed");
        if (!_writer.TryComplete(TimeSpan.FromSeconds(1)))
        {
            // A write is stuck on a peer that does not read: cut the socket so that it fails, then complete.
            Abort();
            _writer.TryComplete(TimeSpan.FromSeconds(5));
        }

        await _transport.DisposeAsync().ConfigureAwait(false);
        _sharedOut?.Dispose();
        _sharedIn?.Dispose();
    }

    // The idle timeout expired: tell the peer if the link still takes a small write, then cut the socket so that
    // whatever this side is blocked on (a read, a frame write) fails now and reports the reason.
    private async Task OnIdleTimeoutAsync(string reason)
    {
        _timedOut = reason;
        if (Interlocked.Exchange(ref _errorSent, 1) == 0)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await _writer.WriteErrorAsync(new ErrorMessage(ErrorCode.Timeout, reason), cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or InvalidOperationException)
            {
                // Stalled or gone: the cut below is what matters.
            }
        }

        Abort();
    }
}
