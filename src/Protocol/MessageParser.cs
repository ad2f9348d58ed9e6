using System.Buffers.Binary;
using System.Buffers;
using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>
/// Pure parsing of PROTOCOL.md byte streams: no I/O, no allocation. "Not enough bytes yet" returns false; bytes
/// that can never become valid throw <see cref="ProtocolException"/> as soon as they are seen, before the rest of
/// the message arrives and before anything is allocated for it.
/// </summary>
internal static class MessageParser
{
    private const int LookAhead = MessageHeader.Size + FrameHeader.Size + SlotReference.Size;

    /// <summary>PROTOCOL.md §2. The magic is checked as soon as 4 bytes are in, so a wrong peer fails at once.</summary>
    public static bool TryReadPreamble(in ReadOnlySequence<byte> buffer, out Preamble preamble, out SequencePosition end)
    {
        preamble = default;
        end = buffer.Start;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[Preamble.Size];
        ReadOnlySpan<byte> head = Head(buffer, scratch);
        // A wrong magic throws at once; a right one waits for the rest of the preamble.
        Preamble.CheckMagic(head);
        if (head.Length < Preamble.Size)
        {
            return false;
        }

        preamble = Preamble.Read(head);
        end = buffer.GetPosition(Preamble.Size);
        return true;
    }

    /// <summary>
    /// PROTOCOL.md §3-§10: reads one message. On success <paramref name="end"/> is the position after it; on false
    /// nothing is consumed and the caller must wait for more bytes.
    /// </summary>
    public static bool TryReadMessage(in ReadOnlySequence<byte> buffer, int maxMessageLength, out Message message, out SequencePosition end, bool modelInputs = false)
    {
        message = default;
        end = buffer.Start;
        long available = buffer.Length;
        if (available < 4)
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[LookAhead];
        ReadOnlySpan<byte> head = Head(buffer, scratch);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head);
        // PROTOCOL.md §3.1: the limit is checked before anything else is read or allocated.
        if (length > (uint)maxMessageLength)
        {
            ProtocolException.Throw(ErrorCode.MessageTooLarge, $"message length {length} exceeds the maximum {maxMessageLength}");
        }

        if (length < ProtocolConstants.LengthCoveredHeaderSize)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"message length {length} is below the minimum {ProtocolConstants.LengthCoveredHeaderSize}");
        }

        if (head.Length < MessageHeader.Size)
        {
            return false;
        }

        var type = (MessageType)head[4];
        int bodyLength = (int)length - ProtocolConstants.LengthCoveredHeaderSize;
        CheckTypeAndBodyLength(type, bodyLength);
        if (head[5] != 0 || head[6] != 0 || head[7] != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, $"reserved bytes 5-7 of a {type} message header are not zero");
        }

        // A FRAME header is validated as soon as it is in, long before a large payload has arrived.
        FrameHeader frame = default;
        SlotReference slot = default;
        if (type == MessageType.Frame)
        {
            if (head.Length < MessageHeader.Size + FrameHeader.Size)
            {
                return false;
            }

            frame = FrameHeader.Read(head[MessageHeader.Size..], bodyLength, modelInputs);
        }
        else if (type == MessageType.SharedFrame)
        {
            if (head.Length < LookAhead)
            {
                return false;
            }

            (frame, slot) = ReadSharedFrameHead(head[MessageHeader.Size..], bodyLength, modelInputs);
        }

        if (available - 4 < length)
        {
            return false;
        }

        ReadOnlySequence<byte> body = buffer.Slice(MessageHeader.Size, bodyLength);
        if (type is MessageType.Hello or MessageType.Ack or MessageType.Result or MessageType.Ring or MessageType.Release)
        {
            CheckBody(type, body, maxMessageLength);
        }

        end = body.End;
        message = type switch
        {
            MessageType.Frame => new Message(type, body, frame, body.Slice(FrameHeader.Size, frame.MetadataLength), body.Slice(frame.PayloadOffset)),
            MessageType.SharedFrame => new Message(type, body, frame, body.Slice(SharedFrameHeadSize), default, slot),
            _ => new Message(type, body, default, default, default),
        };
        return true;
    }

    /// <summary>SHARED_FRAME (§15.3): frame header, slot reference, then the metadata and nothing else.</summary>
    public const int SharedFrameHeadSize = FrameHeader.Size + SlotReference.Size;

    // PROTOCOL.md §15.3: the slot reference first (its payload length is what the frame header is checked against),
    // then the frame header by the rules of §6.1 as if the payload followed inline, then the exact body length.
    private static (FrameHeader, SlotReference) ReadSharedFrameHead(ReadOnlySpan<byte> body, int bodyLength, bool modelInputs)
    {
        SlotReference slot = SlotReference.Read(body[FrameHeader.Size..]);
        uint metadataLength = BinaryPrimitives.ReadUInt32LittleEndian(body[20..]);
        if (metadataLength != (uint)(bodyLength - SharedFrameHeadSize))
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                $"SHARED_FRAME body is {bodyLength} bytes; with {metadataLength} bytes of metadata it must be {SharedFrameHeadSize + (long)metadataLength}");
        }

        int inlineBody = FrameHeader.Size + (int)metadataLength + FrameHeader.Padding((int)metadataLength);
        return (FrameHeader.Read(body, inlineBody + slot.PayloadLength, modelInputs), slot);
    }

    // PROTOCOL.md §3.2 step 5: a whole body is judged on its own bytes here, before the connection judges its place in
    // the conversation (step 6) and its effect on the connection's state (a second RING, a slot never lent).
    private static void CheckBody(MessageType type, in ReadOnlySequence<byte> body, int maxMessageLength)
    {
        Span<byte> scratch = stackalloc byte[body.IsSingleSegment ? 0 : (int)body.Length];
        ReadOnlySpan<byte> bytes = body.IsSingleSegment ? body.FirstSpan : scratch;
        if (!body.IsSingleSegment)
        {
            body.CopyTo(scratch);
        }

        switch (type)
        {
            case MessageType.Hello:
                Hello.Read(bytes);
                break;
            case MessageType.Ack:
                Ack.Read(bytes);
                break;
            case MessageType.Result:
                ResultHeader.Read(bytes);
                break;
            case MessageType.Release:
                SlotReference.ReadRelease(bytes);
                break;
            default:
                RingAnnouncement ring = RingAnnouncement.Read(bytes);
                if (ring.SlotSize > maxMessageLength)
                {
                    ProtocolException.Throw(ErrorCode.MessageTooLarge,
                        $"RING slots of {ring.SlotSize} bytes exceed this side's maximum message length {maxMessageLength}");
                }

                break;
        }
    }

    // PROTOCOL.md §4: the body length each type allows.
    private static void CheckTypeAndBodyLength(MessageType type, int bodyLength)
    {
        (int min, int max) = type switch
        {
            MessageType.Hello => (Hello.FixedSize, Hello.MaxBodySize),
            MessageType.Frame => (FrameHeader.Size, int.MaxValue),
            MessageType.End => (0, 0),
            MessageType.Error => (ErrorMessage.FixedSize, ErrorMessage.FixedSize + ProtocolConstants.MaxErrorReasonBytes),
            MessageType.Ping or MessageType.Pong => (8, 8),
            MessageType.Ack => (Ack.Size, Ack.Size),
            MessageType.Result => (ResultHeader.Size, int.MaxValue),
            MessageType.Ring => (RingAnnouncement.FixedSize + 1, RingAnnouncement.FixedSize + RingAnnouncement.MaxPathBytes),
            MessageType.SharedFrame => (SharedFrameHeadSize, int.MaxValue),
            MessageType.Release => (SlotReference.ReleaseSize, SlotReference.ReleaseSize),
            _ => (-1, -1),
        };
        if (min < 0)
        {
            ProtocolException.Throw(ErrorCode.UnknownMessageType, $"unknown message type 0x{(byte)type:X2}");
        }

        if (bodyLength < min || bodyLength > max)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                min == max
                    ? $"{type} body is {bodyLength} bytes; it must be {min}"
                    : $"{type} body is {bodyLength} bytes; it must be {min} to {max}");
        }
    }

    // The first bytes of the buffer, up to the scratch size: straight from the first segment when it holds them
    // (the usual case), otherwise copied across segments into the caller's stack scratch.
    private static ReadOnlySpan<byte> Head(in ReadOnlySequence<byte> buffer, Span<byte> scratch)
    {
        int wanted = (int)Math.Min(buffer.Length, scratch.Length);
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= wanted)
        {
            return first[..wanted];
        }

        buffer.Slice(0, wanted).CopyTo(scratch);
        return scratch[..wanted];
    }
}
