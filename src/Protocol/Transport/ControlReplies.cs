using System.Net.Sockets;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>
/// The small messages the read path owes the peer: PONG for a PING, ACK for a FRAME (PROTOCOL.md §10.1), RELEASE for
/// a shared-memory slot (§15.4). Each is written at once when the writer is free and the write completes without
/// waiting, which is almost always; otherwise it is queued, in order, behind one task that writes the queue. So a read
/// never waits for a write: two peers that both stopped reading cannot hold each other's read paths.
/// </summary>
internal sealed class ControlReplies(MessageWriter writer)
{
    private readonly Lock _lock = new();
    private readonly Queue<Reply> _backlog = new();
    private Task? _draining; // guarded by _lock: the task writing the backlog, while there is one

    public void Pong(ulong token) => Send(new Reply(MessageType.Pong, token, 0, 0));

    public void Ack(uint streamId, ulong sequence, long receivedAtNs) => Send(new Reply(MessageType.Ack, streamId, sequence, receivedAtNs));

    public void Release(int slot) => Send(new Reply(MessageType.Release, (ulong)slot, 0, 0));

    /// <summary>Ends once every reply sent so far is written (or the connection broke): before END, which nothing follows.</summary>
    public Task FlushedAsync()
    {
        lock (_lock)
        {
            return _draining ?? Task.CompletedTask;
        }
    }

    private void Send(in Reply reply)
    {
        lock (_lock)
        {
            if (_draining is not null)
            {
                _backlog.Enqueue(reply);
                return;
            }

            ValueTask write = WriteAsync(reply);
            if (!write.IsCompletedSuccessfully)
            {
                // A failed write settles at once (and the lock is reentrant): only a pending one leaves a drain running.
                Task draining = DrainAsync(write);
                _draining = draining.IsCompleted ? null : draining;
            }
        }
    }

    private async Task DrainAsync(ValueTask first)
    {
        await Settle(first).ConfigureAwait(false);
        while (true)
        {
            Reply next;
            lock (_lock)
            {
                if (!_backlog.TryDequeue(out next))
                {
                    _draining = null;
                    return;
                }
            }

            await Settle(WriteAsync(next)).ConfigureAwait(false);
        }
    }

    // A connection that broke while a reply was waiting: the read path reports it; the replies are moot.
    private static async Task Settle(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
        }
    }

    private ValueTask WriteAsync(in Reply reply) => reply.Type switch
    {
        MessageType.Pong => writer.WritePongAsync(reply.A),
        MessageType.Ack => writer.WriteAckAsync(new Ack((uint)reply.A, reply.B, reply.C)),
        _ => writer.WriteReleaseAsync((int)reply.A),
    };

    private readonly record struct Reply(MessageType Type, ulong A, ulong B, long C);
}
