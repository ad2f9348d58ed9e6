using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// Whole PROTOCOL.md messages as bytes, for carrying frames over something that is not a RawFrames connection: a
/// WebSocket to a browser (what the browser view sends its page), a message queue, a file. The bytes are what a
/// connection would carry, so any PROTOCOL.md reader (the browser view's script, the Python client's parser) reads them.
/// </summary>
public static class ProtocolMessages
{
    /// <summary>The bytes of a FRAME message with this much metadata and payload, length prefix included (§3, §6).</summary>
    public static long FrameLength(int metadataLength, long payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(metadataLength);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        return FrameHeader.MessageLength(metadataLength, payloadLength) + (MessageHeader.Size - ProtocolConstants.LengthCoveredHeaderSize);
    }

    /// <summary>
    /// Writes <paramref name="frame"/> as one FRAME message into <paramref name="destination"/> (at least
    /// <see cref="FrameLength"/> bytes) and returns its length. Stride 0 on a raw frame means packed rows; timestamp 0 means now.
    /// </summary>
    /// <exception cref="ArgumentException">The frame breaks a rule of PROTOCOL.md §6.1 or §7, or the destination is too small.</exception>
    public static int WriteFrame(Span<byte> destination, in FrameInfo frame, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> payload)
    {
        FrameHeader header = frame.ToHeader(metadata.Length);
        FrameInfo.Check(header, payload.Length);
        int length = checked((int)FrameLength(metadata.Length, payload.Length));
        if (destination.Length < length)
        {
            throw new ArgumentException($"the FRAME message is {length} bytes; the destination holds {destination.Length}", nameof(destination));
        }

        MessageHeader.ForBody(MessageType.Frame, length - MessageHeader.Size).WriteTo(destination);
        Span<byte> body = destination[MessageHeader.Size..length];
        header.WriteTo(body);
        metadata.CopyTo(body[FrameHeader.Size..]);
        body.Slice(FrameHeader.Size + metadata.Length, header.MetadataPadding).Clear();
        payload.CopyTo(body[header.PayloadOffset..]);
        return length;
    }

    /// <summary>
    /// A RESULT message with UTF-8 JSON for frame <paramref name="sequence"/> of stream <paramref name="streamId"/>
    /// (§10.2): what a consumer sends back about a frame, e.g. a detector's boxes.
    /// </summary>
    public static byte[] JsonResult(uint streamId, ulong sequence, ReadOnlySpan<byte> json)
    {
        byte[] message = new byte[MessageHeader.Size + ResultHeader.Size + json.Length];
        MessageHeader.ForBody(MessageType.Result, ResultHeader.Size + json.Length).WriteTo(message);
        new ResultHeader(streamId, IsJson: true, sequence).WriteTo(message.AsSpan(MessageHeader.Size));
        json.CopyTo(message.AsSpan(MessageHeader.Size + ResultHeader.Size));
        return message;
    }
}
