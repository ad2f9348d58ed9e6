using RawFrames.Protocol.Wire;

namespace RawFrames.Viewer;

/// <summary>PROTOCOL.md §3 and §6: one FRAME message (header, frame header, metadata, padding, payload), as /frames/ID sends the page.</summary>
internal static class FrameMessage
{
    public static int Length(in FrameHeader header, int payloadLength) => MessageHeader.Size + header.PayloadOffset + payloadLength;

    /// <summary>Writes the message into <paramref name="destination"/> (at least <see cref="Length"/> bytes); returns its length.</summary>
    public static int Write(Span<byte> destination, FrameHeader header, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> payload)
    {
        header = header with { MetadataLength = metadata.Length };
        int length = Length(header, payload.Length);
        MessageHeader.ForBody(MessageType.Frame, length - MessageHeader.Size).WriteTo(destination);
        Span<byte> body = destination[MessageHeader.Size..length];
        header.WriteTo(body);
        metadata.CopyTo(body[FrameHeader.Size..]);
        body.Slice(FrameHeader.Size + metadata.Length, header.MetadataPadding).Clear();
        payload.CopyTo(body[header.PayloadOffset..]);
        return length;
    }
}
