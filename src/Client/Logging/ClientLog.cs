using Microsoft.Extensions.Logging;

namespace RawFrames.Client.Logging;

/// <summary>Every line the library logs, defined once (source-generated: nothing is formatted unless enabled).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(1, LogLevel.Information, "{Problem}; retrying {HowLong}")]
    public static partial void Retrying(ILogger logger, string problem, string howLong);

    [LoggerMessage(2, LogLevel.Information, "connected to {Remote} over {Transport} ({Software}, accepts messages up to {MaxMessageLength} bytes)")]
    public static partial void Connected(ILogger logger, string remote, string transport, string software, int maxMessageLength);

    [LoggerMessage(3, LogLevel.Warning, "connection to {Remote} lost: {Reason}; reconnecting")]
    public static partial void Reconnecting(ILogger logger, string remote, string reason);

    [LoggerMessage(4, LogLevel.Information, "reconnected to {Remote} after {Milliseconds:0} ms (reconnect {Count})")]
    public static partial void Reconnected(ILogger logger, string remote, double milliseconds, int count);

    [LoggerMessage(5, LogLevel.Warning, "not acknowledged before the loss: {Frames} frames, sequences {From} to {To}")]
    public static partial void Unacknowledged(ILogger logger, long frames, ulong from, ulong to);

    [LoggerMessage(6, LogLevel.Information, "frames in flight on the lost connection may not have arrived; ACKs (FrameSenderOptions.Ack, --ack) report exactly which")]
    public static partial void MaybeLost(ILogger logger);

    [LoggerMessage(7, LogLevel.Information, "the receiver does not send ACKs; no round trip times will be measured")]
    public static partial void NoAcks(ILogger logger);

    [LoggerMessage(8, LogLevel.Information, "the receiver asked to stop (END)")]
    public static partial void PeerEnded(ILogger logger);

    [LoggerMessage(9, LogLevel.Information, "connected: {Remote} ({Software}) over {Transport}")]
    public static partial void Accepted(ILogger logger, string remote, string software, string transport);

    [LoggerMessage(10, LogLevel.Information, "disconnected: {Remote}: {Reason} ({Frames} frames)")]
    public static partial void Disconnected(ILogger logger, string remote, string reason, long frames);

    [LoggerMessage(11, LogLevel.Warning, "refused {Remote}: {Reason}")]
    public static partial void Refused(ILogger logger, string remote, string reason);

    [LoggerMessage(15, LogLevel.Warning, "{Count} peers refused so far; the latest, {Remote}: {Reason}")]
    public static partial void RefusedMany(ILogger logger, long count, string remote, string reason);

    [LoggerMessage(12, LogLevel.Information, "{Reason}; such connections are counted as probes, not errors")]
    public static partial void FirstProbe(ILogger logger, string reason);

    [LoggerMessage(13, LogLevel.Information, "subscribed to {Remote} over {Transport}")]
    public static partial void Subscribed(ILogger logger, string remote, string transport);

    [LoggerMessage(16, LogLevel.Warning, "skipped a message on {Subject}: {Problem}")]
    public static partial void InvalidNatsMessage(ILogger logger, string subject, string problem);

    [LoggerMessage(14, LogLevel.Warning, "{Remote}: frames detached from this sender were not disposed within {Seconds:0.#} s of its END; answering END without waiting for their results")]
    public static partial void DetachedNotDisposed(ILogger logger, string remote, double seconds);

    [LoggerMessage(17, LogLevel.Information, "subscriber {Id}: {Description}")]
    public static partial void SubscriberAdded(ILogger logger, long id, string description);

    [LoggerMessage(18, LogLevel.Information, "subscriber {Id} ended: {Reason} ({Offered} offered, {Sent} sent, {Dropped} dropped)")]
    public static partial void SubscriberEnded(ILogger logger, long id, string reason, long offered, long sent, long dropped);

    [LoggerMessage(19, LogLevel.Information, "gave memory back after a burst: {PeakMib} MiB were queued for subscribers at the peak, {NowMib} MiB now; {FreedMib} MiB of idle buffers freed")]
    public static partial void GaveMemoryBack(ILogger logger, long peakMib, long nowMib, long freedMib);

    [LoggerMessage(20, LogLevel.Information, "subscribers still busy after {Seconds:0.#} s; closing them")]
    public static partial void SubscribersStillBusy(ILogger logger, double seconds);

    [LoggerMessage(21, LogLevel.Warning, "recording: {Problem}; frames are left out of the recording (and counted) until writing works again")]
    public static partial void RecordingLeavesOut(ILogger logger, string problem);
}
