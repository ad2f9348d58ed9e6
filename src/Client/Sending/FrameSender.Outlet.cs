using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>Frames as the caller numbered and stamped them (a replay, a bridge), the stop as a token, and ending the stream with ERROR.</summary>
public sealed partial class FrameSender
{
    private (FrameHeader Header, long PayloadLength) _checkedShape = (default, -1); // the last frame shape SendFrameAsync checked (none yet), under the send lock

    /// <summary>Cancelled when the stream stops for good (<see cref="Stopped"/>): for a caller that waits between frames (a camera's pace).</summary>
    public CancellationToken StoppedToken => Producer.Stopped;

    /// <summary>
    /// Sends a frame as <paramref name="frame"/> describes it: its codec and geometry, and the caller's stream id,
    /// sequence number and capture time (a replay keeps the recorded ones; a bridge the upstream's), the payload as it
    /// is (nothing is encoded). Checked first by the rules a receiver applies, so a frame no receiver would take
    /// throws instead of reaching the wire. Frames sent afterwards with the sender's own numbering go on from
    /// <c>frame.Sequence + 1</c>. Returns false, sending nothing, once the stream has stopped, and also for a frame the
    /// latest policy dropped while reconnecting (see <see cref="Stopped"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The frame breaks a rule of PROTOCOL.md §6.1 (a raw payload of the wrong size, a codec with a pixel format it cannot carry, ...).</exception>
    public async ValueTask<bool> SendFrameAsync(FrameInfo frame, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> metadata = default,
        CancellationToken cancellationToken = default)
    {
        FrameHeader header = frame.ToHeader(metadata.Length);
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Frames of one stream share a shape: it is checked once, not per frame.
            (FrameHeader Header, long PayloadLength) shape = (header with { StreamId = 0, Sequence = 0, TimestampNs = 0 }, payload.Length);
            if (shape != _checkedShape)
            {
                FrameInfo.Check(header, payload.Length);
                _checkedShape = shape;
            }

            return await SendHeaderAsync(header, metadata, payload, null, cancellationToken).ConfigureAwait(false) == SendOutcome.Sent;
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>
    /// Ends the stream with ERROR <paramref name="code"/> (PROTOCOL.md §9) where the link can say why (NATS cannot),
    /// e.g. MessageTooLarge when every frame of the stream is over the receiver's maximum. <see cref="End"/> is then
    /// <see cref="SenderEndKind.Aborted"/>.
    /// </summary>
    public Task AbortAsync(ErrorCode code, string reason)
    {
        Finish(new SenderEnd(SenderEndKind.Aborted, reason, code));
        return Producer.FailAsync(code, reason);
    }
}
