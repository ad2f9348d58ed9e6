using System.Buffers.Binary;
using System.Text;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §8: why the sender is closing the connection.</summary>
internal readonly record struct ErrorMessage(ErrorCode Code, string Reason)
{
    public const int FixedSize = 4;

    public int BodySize => FixedSize + Utf8Text.ByteCount(Reason, ProtocolConstants.MaxErrorReasonBytes);

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Code);
        Utf8Text.Write(Reason, destination[FixedSize..], Utf8Text.ByteCount(Reason, ProtocolConstants.MaxErrorReasonBytes));
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
