namespace RawFrames.Client;

/// <summary>
/// A frame would make a message longer than the peer accepts (PROTOCOL.md §3.1); nothing of it was sent. The
/// connection is still whole: the caller may send a smaller frame, or end it (the reference sender ends it with
/// ERROR MessageTooLarge, since every frame of its stream has the same size).
/// </summary>
public sealed class FrameTooLargeException : IOException
{
    /// <summary>Frame <paramref name="sequence"/> would be a message of <paramref name="messageLength"/> bytes; the peer takes <paramref name="peerMaximum"/>.</summary>
    public FrameTooLargeException(ulong sequence, long messageLength, int peerMaximum)
        : base($"frame {sequence} is a message of {messageLength:N0} bytes; the receiver accepts at most {peerMaximum:N0}")
    {
        Sequence = sequence;
        MessageLength = messageLength;
        PeerMaximum = peerMaximum;
    }

    /// <summary>A frame too large, without details.</summary>
    public FrameTooLargeException()
    {
    }

    /// <summary>A frame too large, said in <paramref name="message"/>.</summary>
    public FrameTooLargeException(string message) : base(message)
    {
    }

    /// <summary>A frame too large, said in <paramref name="message"/>, found through <paramref name="inner"/>.</summary>
    public FrameTooLargeException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The sequence number the frame would have had.</summary>
    public ulong Sequence { get; }

    /// <summary>The length prefix the frame's message would have.</summary>
    public long MessageLength { get; }

    /// <summary>The largest length prefix the peer announced in its HELLO.</summary>
    public int PeerMaximum { get; }
}
