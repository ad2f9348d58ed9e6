using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Statistics;

/// <summary>
/// Round trip times from ACKs (PROTOCOL.md §10.1): the sender notes when each frame left, the ACK for it closes the
/// loop. Send times live in a ring indexed by sequence number, so nothing is allocated per frame; an ACK for a frame
/// older than the ring (more than <see cref="Window"/> frames unacknowledged) is counted but not timed.
/// </summary>
/// <param name="clock">Where send and ACK times come from (the system's clock unless a test gives its own).</param>
internal sealed class AckTracker(TimeProvider? clock = null)
{
    public const int Window = 4096;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly long[] _sentAt = new long[Window];
    private readonly ulong[] _sequences = new ulong[Window];
    private long _acked;
    private long _untimed;
    private ulong _lastAcked;

    /// <summary>Round trip: frame handed to the socket to its ACK read back, on this side's clock.</summary>
    public LatencyHistogram RoundTrip { get; } = new();

    public long Acknowledged => Interlocked.Read(ref _acked);

    /// <summary>The sequence number of the newest ACK; ACKs come in order (§10.1), so every frame sent before it on its connection arrived.</summary>
    public ulong LastAcknowledged => Interlocked.Read(ref _lastAcked);

    /// <summary>ACKs that matched no remembered frame (outside the window, or never sent on this connection).</summary>
    public long Untimed => Interlocked.Read(ref _untimed);

    /// <summary>Call just before a frame is written; from one thread.</summary>
    public void OnSending(ulong sequence)
    {
        int slot = (int)(sequence % Window);
        Volatile.Write(ref _sequences[slot], sequence);
        Volatile.Write(ref _sentAt[slot], _clock.GetTimestamp());
    }

    /// <summary>Call for each ACK read; from one thread.</summary>
    public void OnAck(Ack ack)
    {
        Interlocked.Exchange(ref _lastAcked, ack.Sequence);
        Interlocked.Increment(ref _acked);
        int slot = (int)(ack.Sequence % Window);
        long sentAt = Volatile.Read(ref _sentAt[slot]);
        if (Volatile.Read(ref _sequences[slot]) != ack.Sequence || sentAt == 0)
        {
            Interlocked.Increment(ref _untimed);
            return;
        }

        RoundTrip.RecordNanoseconds((long)_clock.GetElapsedTime(sentAt).TotalNanoseconds);
    }
}
