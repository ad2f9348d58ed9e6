using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using RawFrames.Client.Logging;
using RawFrames.Client.Receiving;
using RawFrames.Codecs;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// One sender connected to a <see cref="FrameReceiver"/> (or the relay it subscribed to): who it is, its frames in
/// the order they came (<see cref="ReadFramesAsync"/>), and, once it has ended, how (<see cref="End"/>). The stream
/// ends cleanly when the sender says END: it is answered once every frame detached from it is disposed, so results
/// of frames still being processed reach it first.
/// </summary>
public sealed class SenderConnection
{
    private readonly IFrameLink _connection;
    private readonly FrameSlot _slot;
    private readonly ILogger _log;
    private readonly TimeSpan _drainBound;
    private ConnectionEnd? _end;
    private string? _shutDown; // this side is going away: how the end will be reported
    private readonly Action _onEnded;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _reading;
    private long _frames;

    /// <param name="onEnded">Called once when the connection has ended, so its owner can close it.</param>
    internal SenderConnection(IFrameLink connection, long id, CodecPool codecs, ILogger log, TimeSpan drainBound, Action onEnded)
    {
        _connection = connection;
        Id = id;
        _log = log;
        _drainBound = drainBound;
        _onEnded = onEnded;
        _slot = new FrameSlot(this, codecs);
    }

    /// <summary>Numbers the connections of a receiver, from 0.</summary>
    public long Id { get; }

    /// <summary>The sender's address.</summary>
    public string Remote => _connection.Remote;

    /// <summary>What the sender named itself in HELLO, e.g. <c>rawframes-send/1</c>; null when it did not.</summary>
    public string? Software => _connection.PeerSoftware;

    /// <summary>How frames travel: "tcp", "tcp+tls", "unix socket", "shared memory" or "nats".</summary>
    public string Transport => _connection.TransportName;

    /// <summary>The sender reads the same wall clock (loopback, Unix socket): latency from frame timestamps is meaningful.</summary>
    public bool SharesClock => _connection.SharesClock;

    /// <summary>The sender accepts RESULTs (PROTOCOL.md §10.2).</summary>
    public bool CanReply => _connection.Negotiated.HasFlag(Capabilities.Result);

    /// <summary>Frames received on this connection so far.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>How the connection ended; null while it goes on.</summary>
    public ConnectionEnd? End => Volatile.Read(ref _end);

    /// <summary>Ends when the connection is closed: it ended and its socket is released.</summary>
    internal Task Closed => _closed.Task;

    /// <summary>The sender replays frames captured earlier (PROTOCOL.md §18, HELLO option 4): their timestamps are not now, so no latency is measured from them.</summary>
    public bool IsReplay => _connection.PeerReplays;

    /// <summary>Whether the application holds a frame of this connection now (its memory must not be unmapped).</summary>
    internal bool HoldsFrame => _slot.IsHeld;

    internal async Task CloseAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _slot.ReturnBgr();
        _closed.TrySetResult();
    }

    /// <summary>
    /// The sender's frames as they arrive, until it ends (then <see cref="End"/> says how). Each frame is valid until
    /// the loop moves on. One loop at a time; cancelling stops the loop, not the connection.
    /// </summary>
    public async IAsyncEnumerable<ReceivedFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("another loop is reading this connection's frames");
        }

        try
        {
            while (await NextAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return new ReceivedFrame(_slot);
                _slot.Release();
            }
        }
        finally
        {
            _slot.Release();
            Volatile.Write(ref _reading, 0);
        }
    }

    /// <summary>Asks the sender to stop (END, PROTOCOL.md §4.2); its frames in flight still arrive until its own END.</summary>
    public Task StopAsync() => _connection.SendEndAsync();

    /// <summary>Tells the sender this side is going away (ERROR ShuttingDown): a reconnecting sender comes back to whoever listens next.</summary>
    public Task ShutDownAsync(string reason)
    {
        Volatile.Write(ref _shutDown, $"{reason} (told the sender: ShuttingDown)");
        return _connection.SendErrorAsync(ErrorCode.ShuttingDown, reason);
    }

    internal ValueTask ReplyAsync(ResultHeader header, ReadOnlyMemory<byte> result, CancellationToken cancellationToken) =>
        CanReply
            ? _connection.SendResultAsync(header, result, cancellationToken)
            : throw new InvalidOperationException($"{Remote} does not accept results (its HELLO lacks the RESULT capability)");

    /// <summary>Cuts the connection at once (a receiver that stops after its grace period); <paramref name="reason"/> is how its end is reported.</summary>
    internal void Abort(string reason)
    {
        Interlocked.CompareExchange(ref _shutDown, reason, null);
        _connection.Abort();
    }

    // The next frame into the slot; false, with End set, once the connection has ended. Called once per frame and
    // usually waits for the socket: the pooling builder keeps that wait from allocating.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> NextAsync(CancellationToken cancellationToken)
    {
        if (End is not null)
        {
            return false;
        }

        try
        {
            Message message = await _connection.ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (message.Type)
            {
                case MessageType.Frame:
                    _slot.Load(message);
                    Interlocked.Increment(ref _frames);
                    return true;
                case MessageType.End:
                    // Results of frames still being processed go out before our END, after which nothing may.
                    Task drained = _slot.WhenDetachedDisposedAsync();
                    if (await Task.WhenAny(drained, Task.Delay(_drainBound, CancellationToken.None)).ConfigureAwait(false) != drained)
                    {
                        ClientLog.DetachedNotDisposed(_log, Remote, _drainBound.TotalSeconds);
                    }

                    await _connection.SendEndAsync().ConfigureAwait(false);
                    return Finish(ConnectionEndKind.Ended, "end of stream");
                case MessageType.Error:
                    ErrorMessage error = message.ReadError();
                    return Finish(ConnectionEndKind.PeerError, $"the sender closed with error {(uint)error.Code} {error.Code}: {error.Reason}", error.Code);
                default:
                    return Volatile.Read(ref _shutDown) is { } going
                        ? Finish(ConnectionEndKind.Stopped, going)
                        : Finish(ConnectionEndKind.Closed, _connection.EndSent ? "closed after END" : "closed without END");
            }
        }
        catch (ProtocolException e)
        {
            // The connection has told the sender (ERROR) already.
            return Finish(ConnectionEndKind.ProtocolError, $"protocol error {(uint)e.Code} {e.Code}: {e.Message}", e.Code);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException && Volatile.Read(ref _shutDown) is { } going)
        {
            return Finish(ConnectionEndKind.Stopped, going);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // A sender killed mid-frame usually resets the connection rather than closing it: say what was cut.
            string cut = _connection.PartialMessage is { } partial ? $"; the frame in flight was cut: {partial}" : "";
            return Finish(ConnectionEndKind.Lost, $"connection lost: {e.Message}{cut}");
        }
    }

    private bool Finish(ConnectionEndKind kind, string reason, ErrorCode? code = null)
    {
        if (Interlocked.CompareExchange(ref _end, new ConnectionEnd(kind, reason, code), null) is null)
        {
            ClientLog.Disconnected(_log, Remote, reason, Frames);
            _onEnded();
        }

        return false;
    }
}
