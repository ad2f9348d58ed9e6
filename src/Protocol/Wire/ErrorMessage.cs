using System.Buffers.Binary;
using System.Text;

namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §8: why the sender is closing the connection.</summary>
public readonly record struct ErrorMessage(ErrorCode Code, string Reason)
{
    public const int FixedSize = 4;

    /// <summary>The UTF-8 reason, cut at <see cref="ProtocolConstants.MaxErrorReasonBytes"/> on a character boundary.</summary>
    public static int ReasonByteCount(string reason)
    {
        int bytes = 0;
        foreach (Rune rune in reason.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > ProtocolConstants.MaxErrorReasonBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
        }

        return bytes;
    }

    public int BodySize => FixedSize + ReasonByteCount(Reason);

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Code);
        int length = ReasonByteCount(Reason);
        Span<byte> text = destination.Slice(FixedSize, length);
        // Encode rune by rune: the reason may have been cut, and a cut must fall between characters.
        int written = 0;
        foreach (Rune rune in Reason.EnumerateRunes())
        {
            if (written + rune.Utf8SequenceLength > length)
            {
                break;
            }

            written += rune.EncodeToUtf8(text[written..]);
        }
    }

    public static ErrorMessage Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < FixedSize || body.Length > FixedSize + ProtocolConstants.MaxErrorReasonBytes)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                $"ERROR body is {body.Length} bytes; it must be {FixedSize} to {FixedSize + ProtocolConstants.MaxErrorReasonBytes}");
        }

        // Invalid UTF-8 in a reason is replaced, not rejected: the reason is for people and the code already tells.
        return new ErrorMessage((ErrorCode)BinaryPrimitives.ReadUInt32LittleEndian(body), Encoding.UTF8.GetString(body[FixedSize..]));
    }
}
