using RawFrames.Protocol;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>What the sending programs and the relay use: frames whose header they made themselves, the stop as a token, and ending the stream with an ERROR.</summary>
public sealed partial class FrameSender
{
    /// <summary>Cancelled when the stream stops for good (<see cref="Stopped"/>): for a caller waiting between frames.</summary>
    internal CancellationToken StoppedToken => Producer.Stopped;

    /// <summary>
    /// A frame whose header the caller made (codec, format, sequence and timestamp: a program that numbers the frames
    /// of its source and stamps them at capture). Under the send lock; true when sent, false when dropped or stopped.
    /// </summary>
    internal async ValueTask<bool> SendFrameAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (CheckStopped())
            {
                return false;
            }

            bool sent = await Producer.SendAsync(header, metadata, payload, null, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref sent ? ref _sent : ref _dropped);
            return sent;
        }
        catch (IOException e) when (e is not FrameTooLargeException)
        {
            Finish(new SenderEnd(SenderEndKind.Lost, e.Message));
            throw;
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Ends the stream with ERROR (PROTOCOL.md §9), e.g. MessageTooLarge: the receiver is told why.</summary>
    internal Task AbortAsync(ErrorCode code, string reason)
    {
        Finish(new SenderEnd(SenderEndKind.Aborted, reason, code));
        return Producer.FailAsync(code, reason);
    }
}
