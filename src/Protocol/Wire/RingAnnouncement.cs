using System.Buffers.Binary;
using System.Text;
using RawFrames.Client;

namespace RawFrames.Protocol.Wire;

/// <summary>
/// PROTOCOL.md §15.2, the body of RING: where the producer's shared-memory ring is and how it is cut into slots.
/// Slot <c>i</c> is bytes <c>[i * SlotSize, (i + 1) * SlotSize)</c> of the file at <see cref="Path"/>.
/// </summary>
internal sealed record RingAnnouncement(int SlotCount, int SlotSize, string Path)
{
    public const int FixedSize = 16;
    public const int MaxSlots = 64;
    public const int SlotAlignment = 4096;
    public const string Directory = "/dev/shm/";
    public const string NamePrefix = "rawframes-";
    public const int MaxPathBytes = 255;

    public int BodySize => FixedSize + Encoding.UTF8.GetByteCount(Path);

    /// <summary>The size the ring file must have at least.</summary>
    public long FileSize => (long)SlotCount * SlotSize;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)SlotCount);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], (ulong)SlotSize);
        Encoding.UTF8.GetBytes(Path, destination[FixedSize..]);
    }

    /// <summary>Reads and checks a RING body in field order (§15.2); a bad one is MalformedMessage or ReservedBitSet.</summary>
    public static RingAnnouncement Read(ReadOnlySpan<byte> body)
    {
        uint slots = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if (slots is 0 or > MaxSlots)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage, $"RING announces {slots} slots; 1 to {MaxSlots} are allowed");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(body[4..]) != 0)
        {
            ProtocolException.Throw(ErrorCode.ReservedBitSet, "reserved bytes 4-7 of RING are not zero");
        }

        ulong slotSize = BinaryPrimitives.ReadUInt64LittleEndian(body[8..]);
        if (slotSize == 0 || slotSize % SlotAlignment != 0 || slotSize > ProtocolConstants.MaxMaxMessageLength)
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                $"RING slot size {slotSize} must be a non-zero multiple of {SlotAlignment} up to {ProtocolConstants.MaxMaxMessageLength}");
        }

        string path = Encoding.UTF8.GetString(body[FixedSize..]);
        if (!IsAllowedPath(path))
        {
            ProtocolException.Throw(ErrorCode.MalformedMessage,
                $"RING path '{Printable(path)}' is not a file {Directory}{NamePrefix}NAME (NAME: letters, digits, '.', '_', '-')");
        }

        return new RingAnnouncement((int)slots, (int)slotSize, path);
    }

    private static string Printable(string text) =>
        string.Concat(text.Take(80).Select(c => char.IsControl(c) ? '?' : c));

    // A consumer opens and then unlinks this path: confining it to one directory and one name pattern means a hostile
    // producer can make it neither read nor delete anything else.
    public static bool IsAllowedPath(string path)
    {
        if (!path.StartsWith(Directory + NamePrefix, StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            return false;
        }

        ReadOnlySpan<char> name = path.AsSpan(Directory.Length + NamePrefix.Length);
        if (name.IsEmpty || name.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
