namespace RawFrames.Client;

/// <summary>What a <see cref="FrameSender"/> has done so far; every property is read live, from any thread.</summary>
public sealed class SenderStatistics
{
    private readonly FrameSender _sender;

    internal SenderStatistics(FrameSender sender) => _sender = sender;

    /// <summary>Frames sent (handed to the connection whole).</summary>
    public long Sent => _sender.SentCount;

    /// <summary>Frames dropped under <see cref="SendPolicy.Latest"/> while the connection was lost.</summary>
    public long Dropped => _sender.DroppedCount;

    /// <summary>Frames the receiver acknowledged (with <see cref="FrameSenderOptions.Ack"/>).</summary>
    public long Acknowledged => _sender.AckTracker?.Acknowledged ?? 0;

    /// <summary>Connections made again after one was lost.</summary>
    public int Reconnects => _sender.Producer.Reconnects;

    /// <summary>The longest time from a loss noticed to a new connection open, in milliseconds; null before any.</summary>
    public double? ReconnectMsMax => _sender.Producer.ReconnectTimes.Count > 0 ? _sender.Producer.ReconnectTimes.PercentileMs(100) : null;

    /// <summary>With ACKs: per lost connection, the frames sent after its last ACK, which it may have taken with it.</summary>
    public IReadOnlyList<UnacknowledgedFrames> Unacknowledged => _sender.Producer.Unacknowledged;

    /// <summary>Send to ACK, on this side's clock, at a percentile (e.g. 50, 99), in milliseconds; null before any ACK.</summary>
    public double? AckRoundTripMs(double percentile) =>
        _sender.AckTracker is { RoundTrip.Count: > 0 } acks ? acks.RoundTrip.PercentileMs(percentile) : null;

    /// <summary>With ACKs: the round trips of acknowledged frames, send to ACK; null without.</summary>
    public LatencyHistogram? AckRoundTrips => _sender.AckTracker?.RoundTrip;
}

/// <summary>Frames a lost connection may have taken with it: sequences <paramref name="From"/> to <paramref name="To"/>, <paramref name="Frames"/> in all.</summary>
public sealed record UnacknowledgedFrames(ulong From, ulong To, long Frames);
