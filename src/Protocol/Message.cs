using System.Buffers;
using System.Buffers.Binary;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>
/// One message as parsed from the input. Every sequence in it is a slice of the reader's buffer and is valid only
/// until the next read on the same reader; copy to keep anything longer (the library's DetachedFrame).
/// </summary>
internal readonly struct Message
{
    internal Message(MessageType type, ReadOnlySequence<byte> body, FrameHeader frame, ReadOnlySequence<byte> metadata, ReadOnlySequence<byte> payload,
        SlotReference slot = default)
    {
        Type = type;
        Body = body;
        Frame = frame;
        Metadata = metadata;
        Payload = payload;
        Slot = slot;
    }

    /// <summary><see cref="MessageType.None"/> when the peer closed the connection on a message boundary.</summary>
    public MessageType Type { get; }

    /// <summary>The bytes after the 8-byte message header.</summary>
    public ReadOnlySequence<byte> Body { get; }

    /// <summary>The frame header of a FRAME message; default otherwise.</summary>
    public FrameHeader Frame { get; }

    /// <summary>The metadata block of a FRAME message, without padding.</summary>
    public ReadOnlySequence<byte> Metadata { get; }

    /// <summary>The payload of a FRAME message (pixels or a compressed image), 8-aligned within the message.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>Where a SHARED_FRAME's payload is (PROTOCOL.md §15.3); default otherwise.</summary>
    public SlotReference Slot { get; }

    public bool IsConnectionClosed => Type == MessageType.None;

    /// <summary>A RING's announcement (PROTOCOL.md §15.2).</summary>
    public RingAnnouncement ReadRing() => RingAnnouncement.Read(BodySpan(new byte[Body.Length]));

    /// <summary>A RELEASE's slot (PROTOCOL.md §15.4).</summary>
    public int ReadRelease() => SlotReference.ReadRelease(BodySpan(stackalloc byte[SlotReference.ReleaseSize]));

    /// <summary>This message with its payload taken from elsewhere: a SHARED_FRAME turned into the FRAME it stands for.</summary>
    internal Message AsFrameWithPayload(ReadOnlySequence<byte> payload) => new(MessageType.Frame, Body, Frame, Metadata, payload, Slot);

    /// <summary>The token of a PING or PONG.</summary>
    public ulong PingToken => BinaryPrimitives.ReadUInt64LittleEndian(BodySpan(stackalloc byte[8]));

    public ErrorMessage ReadError() => ErrorMessage.Read(BodySpan(new byte[Body.Length]));

    public Hello ReadHello() => Hello.Read(BodySpan(new byte[Body.Length]));

    public Ack ReadAck() => Ack.Read(BodySpan(stackalloc byte[Ack.Size]));

    /// <summary>A RESULT's header; <see cref="ResultData"/> is the rest of the body.</summary>
    public ResultHeader ReadResult()
    {
        Span<byte> head = stackalloc byte[ResultHeader.Size];
        ReadOnlySequence<byte> start = Body.Slice(0, Math.Min(Body.Length, ResultHeader.Size));
        start.CopyTo(head);
        return ResultHeader.Read(head[..(int)start.Length]);
    }

    /// <summary>A RESULT's application bytes, valid until the next read.</summary>
    public ReadOnlySequence<byte> ResultData => Body.Slice(ResultHeader.Size);

    // Small fixed bodies: the first segment almost always holds them whole; otherwise copy into the scratch span.
    private ReadOnlySpan<byte> BodySpan(Span<byte> scratch)
    {
        if (Body.IsSingleSegment)
        {
            return Body.FirstSpan;
        }

        Body.CopyTo(scratch);
        return scratch[..(int)Body.Length];
    }
}
