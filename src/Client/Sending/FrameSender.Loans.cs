using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>Zero-copy sending: frames written in place in shared memory.</summary>
public sealed partial class FrameSender
{
    /// <summary>
    /// Zero-copy sending on <c>shm://</c> connections: the shared memory one raw frame of <paramref name="format"/> will
    /// travel in, to capture, decode or draw into, then send with <see cref="SendAsync(FrameLoan, FrameFormat, ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// Null when the connection does not use shared memory or the codec is not raw: send a buffer instead. Dispose a
    /// loan you do not send.
    /// </summary>
    public ValueTask<FrameLoan?> LoanAsync(FrameFormat format, CancellationToken cancellationToken = default) =>
        _options.Codec == Codec.Raw
            ? Producer.LoanAsync(checked((int)format.PayloadLength), cancellationToken)
            : ValueTask.FromResult<FrameLoan?>(null);

    /// <summary>
    /// Sends the frame written into <paramref name="loan"/>, timestamped now (the capture is complete), with the next
    /// sequence number. Returns false, giving the loan back, once the stream has stopped.
    /// </summary>
    public async ValueTask<bool> SendAsync(FrameLoan loan, FrameFormat format, ReadOnlyMemory<byte> metadata = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loan);
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (CheckStopped())
            {
                loan.Dispose();
                return false;
            }

            FrameHeader header = Header(Codec.Raw, format.PixelFormat, format.Width, format.Height, format.Stride, metadata);
            Producer.Acks?.OnSending(header.Sequence);
            await loan.SendAsync(header, metadata, cancellationToken).ConfigureAwait(false);
            Sent(header);
            return true;
        }
        finally
        {
            _sending.Release();
        }
    }
}
