namespace RawFrames.Protocol.Transport;

/// <summary>
/// A frame would make a message longer than the peer accepts (PROTOCOL.md §3.1); nothing of it was sent. The
/// connection is still whole: the caller may send a smaller frame, or end it (the reference sender ends it with
/// ERROR MessageTooLarge, since every frame of its stream has the same size).
/// </summary>
public sealed class FrameTooLargeException : IOException
{
    public FrameTooLargeException(ulong sequence, long messageLength, int peerMaximum)
        : base($"frame {sequence} is a message of {messageLength:N0} bytes; the receiver accepts at most {peerMaximum:N0}")
    {
        Sequence = sequence;
        MessageLength = messageLength;
        PeerMaximum = peerMaximum;
    }

    public FrameTooLargeException()
    {
    }

    public FrameTooLargeException(string message) : base(message)
    {
    }

    public FrameTooLargeException(string message, Exception inner) : base(message, inner)
    {
    }

    public ulong Sequence { get; }

    /// <summary>The length prefix the frame's message would have.</summary>
    public long MessageLength { get; }

    /// <summary>The largest length prefix the peer announced in its HELLO.</summary>
    public int PeerMaximum { get; }
}
