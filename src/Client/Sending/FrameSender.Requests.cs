namespace RawFrames.Client;

/// <summary>Request/reply: a frame out, the receiver's RESULT for it back.</summary>
public sealed partial class FrameSender
{
    /// <summary>
    /// Request/reply: sends a frame as <see cref="SendAsync(ReadOnlyMemory{byte}, FrameFormat, ReadOnlyMemory{byte}, CancellationToken)"/>
    /// does and waits for the receiver's RESULT for it, e.g. a model's detections. Several may be outstanding at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The receiver does not send RESULTs, or the stream has stopped.</exception>
    public async Task<FrameResult> RequestAsync(ReadOnlyMemory<byte> pixels, FrameFormat format, CancellationToken cancellationToken = default)
    {
        if (!Producer.CanReply)
        {
            throw new InvalidOperationException("this receiver does not send RESULTs (its HELLO lacks the RESULT capability)");
        }

        CheckLength(pixels.Length, format);
        var reply = new TaskCompletionSource<FrameResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await SendRawAsync(pixels, format, default, reply, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"the stream has stopped: {StopReason}");
            }
        }
        finally
        {
            _sending.Release();
        }

        return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Request/reply with packed BGR24 pixels; see <see cref="RequestAsync(ReadOnlyMemory{byte}, FrameFormat, CancellationToken)"/>.</summary>
    public Task<FrameResult> RequestAsync(ReadOnlyMemory<byte> bgr, int width, int height, int stride = 0, CancellationToken cancellationToken = default) =>
        RequestAsync(bgr, FrameFormat.Bgr24(width, height, stride), cancellationToken);
}
