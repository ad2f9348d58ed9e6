using System.Buffers.Binary;

namespace RawFrames.Protocol.Recording;

/// <summary>
/// PROTOCOL.md §18: a recording is a 16-byte file header followed by the stream's own messages, FRAME and RESULT,
/// byte for byte as §3, §6 and §10.2 define them, so a file cut anywhere is readable up to its last whole message. Its
/// index is a separate file of 32-byte entries that can always be rebuilt from the recording.
/// </summary>
internal static class RecordingFormat
{
    public const string Extension = ".rfrec";
    public const string IndexExtension = ".rfidx";
    public const int FileHeaderSize = 16;
    public const int IndexHeaderSize = 16;
    public const ushort Version = 1;

    private static ReadOnlySpan<byte> FileMagic => "RFRC"u8;

    private static ReadOnlySpan<byte> IndexMagic => "RFIX"u8;

    /// <summary>Magic "RFRC", version 1 (u16), 2 reserved zero bytes, then the recorder's wall clock at creation (ns, i64).</summary>
    public static void WriteFileHeader(Span<byte> destination, long createdNs) => WriteHeader(destination, FileMagic, createdNs);

    /// <summary>Magic "RFIX", version 1, 2 reserved zero bytes, then the length of the recording the index was made from when made whole (0 while recording).</summary>
    public static void WriteIndexHeader(Span<byte> destination, long coveredBytes) => WriteHeader(destination, IndexMagic, coveredBytes);

    /// <returns>The creation time.</returns>
    /// <exception cref="InvalidDataException">Not a RawFrames recording, or a version this reader does not know.</exception>
    public static long ReadFileHeader(ReadOnlySpan<byte> source, string name) => ReadHeader(source, FileMagic, name, "recording");

    /// <exception cref="InvalidDataException">Not a RawFrames recording index.</exception>
    public static long ReadIndexHeader(ReadOnlySpan<byte> source, string name) => ReadHeader(source, IndexMagic, name, "recording index");

    /// <summary>The index file that belongs to a recording: the same path with <see cref="IndexExtension"/>.</summary>
    public static string IndexPath(string recording) => Path.ChangeExtension(recording, IndexExtension);

    private static void WriteHeader(Span<byte> destination, ReadOnlySpan<byte> magic, long value)
    {
        magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], value);
    }

    private static long ReadHeader(ReadOnlySpan<byte> source, ReadOnlySpan<byte> magic, string name, string what)
    {
        if (source.Length >= 4 && !source[..4].SequenceEqual(magic))
        {
            throw new InvalidDataException($"{name} is not a RawFrames {what}: it does not start with \"{System.Text.Encoding.ASCII.GetString(magic)}\"");
        }

        if (source.Length < FileHeaderSize)
        {
            throw new InvalidDataException($"{name} is not a RawFrames {what}: it is {source.Length} bytes long, shorter than its {FileHeaderSize}-byte header");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]);
        if (version != Version)
        {
            throw new InvalidDataException($"{name} is a {what} of version {version}; this reader knows version {Version}");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(source[6..]) != 0)
        {
            throw new InvalidDataException($"{name} is not a valid RawFrames {what}: its reserved bytes 6-7 are not zero");
        }

        return BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
    }
}
