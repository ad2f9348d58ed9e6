using System.Buffers.Binary;

namespace RawFrames.Conformance;

/// <summary>
/// Just enough of PROTOCOL.md §2-§3 to read what an implementation under test answered: its preamble, then whole
/// messages by their length prefix. Written apart from the reference implementation on purpose: the kit judges it too.
/// </summary>
internal static class WireMessages
{
    public const byte Hello = 0x01;
    public const byte End = 0x03;
    public const byte Error = 0x04;
    public const byte Ping = 0x05;
    public const byte Pong = 0x06;

    public static ReadOnlySpan<byte> Preamble => "RFRM\x01\x00\x00\x00"u8;

    /// <summary>One message: its type and body; <see cref="Token"/> for PING and PONG, <see cref="Code"/> for ERROR.</summary>
    public readonly record struct WireMessage(byte Type, byte[] Body)
    {
        public ulong Token => Body.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(Body) : 0;

        public uint Code => Body.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Body) : 0;

        public string Reason => Body.Length > 4 ? System.Text.Encoding.UTF8.GetString(Body, 4, Body.Length - 4) : "";

        public override string ToString() => Type switch
        {
            Hello => "HELLO",
            End => "END",
            Error => $"ERROR {Code} ({Reason})",
            Ping => "PING",
            Pong => "PONG",
            _ => $"type 0x{Type:X2}",
        };
    }

    /// <summary>One message as §3 frames it: length prefix, type, three zero bytes, body.</summary>
    public static byte[] Message(byte type, ReadOnlySpan<byte> body)
    {
        byte[] message = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)(4 + body.Length));
        message[4] = type;
        body.CopyTo(message.AsSpan(8));
        return message;
    }

    /// <summary>A side's opening (§2, §5): the preamble, then a HELLO of <paramref name="role"/> (1 producer, 2 consumer) with a 64 MiB maximum and no options.</summary>
    public static byte[] Opening(byte role, uint capabilities = 0, uint idleTimeoutMs = 0)
    {
        byte[] hello = new byte[16];
        hello[0] = role;
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(4), 64 * 1024 * 1024);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(8), capabilities);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(12), idleTimeoutMs);
        return [.. Preamble, .. Message(Hello, hello)];
    }

    /// <summary>The whole messages in a stream that starts after the preamble; a cut last message is left out.</summary>
    public static List<WireMessage> Read(ReadOnlySpan<byte> stream, bool afterPreamble = false)
    {
        var messages = new List<WireMessage>();
        int at = afterPreamble ? 0 : 8;
        while (at + 8 <= stream.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(stream[at..]);
            if (length < 4 || at + 4L + length > stream.Length)
            {
                break;
            }

            messages.Add(new WireMessage(stream[at + 4], stream.Slice(at + 8, (int)length - 4).ToArray()));
            at += 4 + (int)length;
        }

        return messages;
    }

    /// <summary>A HELLO's role, maximum message length and capabilities (§5).</summary>
    public static (byte Role, uint MaxMessageLength, uint Capabilities) ReadHello(byte[] body) => body.Length < 16
        ? ((byte)0, 0u, 0u)
        : (body[0], BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(4)), BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(8)));
}
