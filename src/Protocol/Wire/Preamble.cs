using System.Buffers.Binary;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §2: the 8 bytes that open each direction of a connection.</summary>
internal readonly record struct Preamble(ushort Version)
{
    public const int Size = 8;

    public static Preamble Current => new(ProtocolConstants.Version);

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, ProtocolConstants.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
    }

    /// <summary>Reads and checks a preamble; throws <see cref="ProtocolException"/> for a wrong magic or version.</summary>
    public static Preamble Read(ReadOnlySpan<byte> source)
    {
        CheckMagic(source);
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]);
        if (version != ProtocolConstants.Version)
        {
            ProtocolException.Throw(ErrorCode.UnsupportedVersion,
                $"peer speaks protocol version {version}; this side speaks version {ProtocolConstants.Version}");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(source[6..]) != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, "reserved bytes 6-7 of the preamble are not zero");
        }

        return new Preamble(version);
    }

    /// <summary>Throws <see cref="ErrorCode.BadMagic"/> unless the first 4 bytes are the magic.</summary>
    public static void CheckMagic(ReadOnlySpan<byte> source)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != ProtocolConstants.Magic)
        {
            throw new ProtocolException(ErrorCode.BadMagic, DescribeBadMagic(source[..4])) { PeerSpokeHttp = LooksLikeHttp(source[..4]) };
        }
    }

    /// <summary>True when the first bytes look like an HTTP request, the most common wrong peer on a port.</summary>
    public static bool LooksLikeHttp(ReadOnlySpan<byte> first4) =>
        first4.SequenceEqual("GET "u8) || first4.SequenceEqual("POST"u8) || first4.SequenceEqual("HEAD"u8) ||
        first4.SequenceEqual("PUT "u8) || first4.SequenceEqual("OPTI"u8) || first4.SequenceEqual("DELE"u8) ||
        first4.SequenceEqual("PATC"u8) || first4.SequenceEqual("CONN"u8) || first4.SequenceEqual("PRI "u8);

    private static string DescribeBadMagic(ReadOnlySpan<byte> first4)
    {
        string hex = Convert.ToHexString(first4);
        string printable = string.Create(4, first4.ToArray(), static (chars, bytes) =>
        {
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '.';
            }
        });
        string hint = LooksLikeHttp(first4) ? " (an HTTP request: this port speaks RawFrames, see PROTOCOL.md)" : "";
        return $"bad magic {hex} ('{printable}'), expected 5246524D ('RFRM'): the peer does not speak RawFrames{hint}";
    }
}
