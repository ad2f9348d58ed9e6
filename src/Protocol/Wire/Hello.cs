using System.Buffers.Binary;
using System.Text;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §5: the first message in each direction: role, limits and capabilities.</summary>
/// <param name="MaxMessageLength">The largest length prefix this side accepts.</param>
/// <param name="IdleTimeoutMs">This side closes the connection after this long without receiving anything; 0 = never.</param>
/// <param name="Software">Free text naming the implementation, for logs (HELLO option 1).</param>
internal sealed record Hello(PeerRole Role, int MaxMessageLength, Capabilities Capabilities, uint IdleTimeoutMs, string? Software)
{
    public const int FixedSize = 16;
    public const int MaxBodySize = 4096;
    public const ushort SoftwareOptionKey = 1;
    public const ushort TokenOptionKey = 2;
    public const ushort ReplayOptionKey = 4;
    public const int MaxTokenBytes = 1024;
    private const int MaxSoftwareBytes = 256;

    /// <summary>
    /// HELLO option 2 (PROTOCOL.md §14): the shared secret a producer presents to a consumer that requires one.
    /// Never logged. Travels in clear text unless the connection runs over TLS. An empty token is no token (a null
    /// byte[] converts to an empty, non-null memory: it must not turn into an option on the wire).
    /// </summary>
    public ReadOnlyMemory<byte>? Token { get; init; }

    /// <summary>HELLO option 3 (PROTOCOL.md §16): a consumer's request to a relay; null when none.</summary>
    public Subscription? Subscription { get; init; }

    /// <summary>HELLO option 4 (PROTOCOL.md §18): a producer sending frames captured earlier (a recording replayed), whose timestamps are not now.</summary>
    public bool Replay { get; init; }

    public int BodySize => FixedSize + (Software is null ? 0 : 4 + SoftwareBytes) + (Subscription is null ? 0 : 4 + Subscription.Size)
        + (Token is { IsEmpty: false } token ? 4 + token.Length : 0) + (Replay ? 4 : 0);

    private int SoftwareBytes => Utf8Text.ByteCount(Software ?? "", MaxSoftwareBytes);

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = (byte)Role;
        destination[1] = destination[2] = destination[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)MaxMessageLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)Capabilities);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], IdleTimeoutMs);
        if (Software is not null)
        {
            int length = SoftwareBytes;
            BinaryPrimitives.WriteUInt16LittleEndian(destination[16..], SoftwareOptionKey);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[18..], (ushort)length);
            Utf8Text.Write(Software, destination[20..], length);
        }

        if (Subscription is { } subscription)
        {
            Span<byte> option = destination[(FixedSize + (Software is null ? 0 : 4 + SoftwareBytes))..];
            BinaryPrimitives.WriteUInt16LittleEndian(option, Subscription.OptionKey);
            BinaryPrimitives.WriteUInt16LittleEndian(option[2..], Subscription.Size);
            subscription.WriteTo(option[4..]);
        }

        if (Replay)
        {
            // Empty, just before the token (which stays last).
            Span<byte> option = destination[(BodySize - 4 - (Token is { IsEmpty: false } t ? 4 + t.Length : 0))..];
            BinaryPrimitives.WriteUInt16LittleEndian(option, ReplayOptionKey);
            BinaryPrimitives.WriteUInt16LittleEndian(option[2..], 0);
        }

        if (Token is { IsEmpty: false } token)
        {
            Span<byte> option = destination[(BodySize - 4 - token.Length)..];
            BinaryPrimitives.WriteUInt16LittleEndian(option, TokenOptionKey);
            BinaryPrimitives.WriteUInt16LittleEndian(option[2..], (ushort)token.Length);
            token.Span.CopyTo(option[4..]);
        }
    }

    // The token is a secret: records print their members, so this one leaves it out.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Role = {Role}, MaxMessageLength = {MaxMessageLength}, Capabilities = {Capabilities}, IdleTimeoutMs = {IdleTimeoutMs}, Software = {Software}, Subscription = {Subscription}, Token = {(Token is null ? "none" : "(set)")}");
        return true;
    }

    public static Hello Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < FixedSize || body.Length > MaxBodySize)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"HELLO body is {body.Length} bytes; it must be {FixedSize} to {MaxBodySize}");
        }

        var role = (PeerRole)body[0];
        if (role is not (PeerRole.Producer or PeerRole.Consumer))
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"HELLO role {body[0]} is neither 1 (producer) nor 2 (consumer)");
        }

        if (body[1] != 0 || body[2] != 0 || body[3] != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, "reserved bytes 1-3 of HELLO are not zero");
        }

        uint max = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        if (max < ProtocolConstants.MinMaxMessageLength)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                $"HELLO max message length {max} is below the minimum {ProtocolConstants.MinMaxMessageLength}");
        }

        var capabilities = (Capabilities)BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        uint idleTimeoutMs = BinaryPrimitives.ReadUInt32LittleEndian(body[12..]);
        string? software = null;
        byte[]? token = null;
        Subscription? subscription = null;
        bool replay = false;
        // PROTOCOL.md §5.1: options are key, length, value; known keys are checked whatever the role, unknown keys skipped.
        for (ReadOnlySpan<byte> options = body[FixedSize..]; !options.IsEmpty;)
        {
            if (options.Length < 4)
            {
                ProtocolException.Throw(ErrorCode.MalformedMessage, $"HELLO option header truncated: {options.Length} bytes left");
            }

            ushort key = BinaryPrimitives.ReadUInt16LittleEndian(options);
            ushort length = BinaryPrimitives.ReadUInt16LittleEndian(options[2..]);
            if (options.Length - 4 < length)
            {
                ProtocolException.Throw(ErrorCode.MalformedMessage, $"HELLO option {key} claims {length} bytes, {options.Length - 4} left");
            }

            if (key == SoftwareOptionKey)
            {
                software = Encoding.UTF8.GetString(options.Slice(4, length));
            }
            else if (key == TokenOptionKey)
            {
                // Checked by every side that reads a HELLO, so that the same bytes give the same outcome everywhere.
                if (length is 0 or > MaxTokenBytes)
                {
                    ProtocolException.Throw(ErrorCode.MalformedMessage, $"HELLO token option is {length} bytes; it must be 1 to {MaxTokenBytes}");
                }

                token = options.Slice(4, length).ToArray();
            }
            else if (key == Subscription.OptionKey)
            {
                subscription = Subscription.Read(options.Slice(4, length));
            }
            else if (key == ReplayOptionKey)
            {
                replay = true; // its value is ignored (sent empty), so no length of it is refused
            }

            options = options[(4 + length)..];
        }

        // A limit above what this implementation can buffer is honoured as our own maximum instead.
        return new Hello(role, (int)Math.Min(max, (uint)ProtocolConstants.MaxMaxMessageLength), capabilities, idleTimeoutMs, software)
        {
            Token = token is null ? (ReadOnlyMemory<byte>?)null : token, // not "? null :", which would turn null into an empty token
            Subscription = subscription,
            Replay = replay,
        };
    }
}
