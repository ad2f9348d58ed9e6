using System.Buffers.Binary;
using RawFrames.Protocol.Recording;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// PROTOCOL.md §18, reading: where a recording's frames are (the index file when it is whole and agrees with the
/// recording, extended by a scan of what it does not cover; a scan of the whole recording when it is missing or
/// wrong), where its whole messages end, and whether it ends in an unfinished message (ignored, reported) or in damage
/// (named by offset and §9 code). Never silent, and nothing before the end or the damage is lost.
/// </summary>
internal sealed class RecordingScan
{
    private RecordingScan(List<RecordingIndexEntry> index, long wholeLength, string? damage)
    {
        Index = index;
        WholeLength = wholeLength;
        Damage = damage;
    }

    /// <summary>One entry per frame before the end (or the damage), in file order.</summary>
    public List<RecordingIndexEntry> Index { get; }

    /// <summary>Where the last whole message before the end (or the damage) ends.</summary>
    public long WholeLength { get; }

    /// <summary>What is wrong and where, when the file is damaged; null otherwise.</summary>
    public string? Damage { get; }

    public static RecordingScan Run(string path, FileStream file)
    {
        (List<RecordingIndexEntry>? trusted, long closedLength) = ReadIndexFile(RecordingFormat.IndexPath(path), file.Length);
        List<RecordingIndexEntry> index = trusted ?? [];
        byte[] head = new byte[MessageHeader.Size + Math.Max(FrameHeader.Size, ResultHeader.Size)];
        long position = RecordingFormat.FileHeaderSize;
        // The index says the recorder closed the file at exactly this length: it is this file's own index, and
        // nothing in the file can be unfinished.
        bool closedWhole = closedLength == file.Length;
        try
        {
            if (index.Count > 0)
            {
                position = AfterLastEntry(file, index, head, path);
            }
        }
        catch (InvalidDataException) when (closedWhole)
        {
            // This file's own index names a frame that is not there as it says: the file is damaged there.
            long offset = index[^1].Offset;
            index.RemoveAt(index.Count - 1);
            return Damaged(index, offset, path, "its index names a FRAME there that the file does not hold as recorded");
        }
        catch (InvalidDataException)
        {
            // The index's last entry names no whole frame with its fields: another file's index, rebuilt by the scan.
            index.Clear();
            position = RecordingFormat.FileHeaderSize;
        }

        try
        {
            while (position < file.Length)
            {
                long left = file.Length - position;
                if (left < MessageHeader.Size)
                {
                    return closedWhole
                        ? Damaged(index, position, path, $"the file ends {left} bytes into a message header, though its index says the recorder closed it whole")
                        : new RecordingScan(index, position, null);
                }

                file.Position = position;
                file.ReadExactly(head.AsSpan(0, MessageHeader.Size));
                if (BinaryPrimitives.ReadUInt64LittleEndian(head) == 0)
                {
                    // Zeros where a message should be: what a file system leaves of data never written, after a power cut.
                    return RestIsZero(file, position)
                        ? new RecordingScan(index, position, null)
                        : Damaged(index, position, path, "8 zero bytes where a message header should be, and data after them");
                }

                (MessageType type, int bodyLength) = ReadHeaderAt(file, position, head, path);
                long end = position + MessageHeader.Size + bodyLength;
                if (end > file.Length)
                {
                    return closedWhole
                        ? Damaged(index, position, path, $"a message of {bodyLength + MessageHeader.Size} bytes runs past the end of the file, though its index says the recorder closed it whole")
                        : new RecordingScan(index, position, null); // an unfinished message: the recorder stopped while writing it
                }

                if (type is MessageType.Frame or MessageType.Result)
                {
                    int checkedBytes = Math.Min(bodyLength, type == MessageType.Frame ? FrameHeader.Size : ResultHeader.Size);
                    file.Position = position + MessageHeader.Size;
                    file.ReadExactly(head.AsSpan(0, checkedBytes));
                    if (type == MessageType.Frame)
                    {
                        FrameHeader header = ParseFrame(head.AsSpan(0, checkedBytes), position, path, bodyLength);
                        index.Add(new RecordingIndexEntry(position, header.StreamId, header.Sequence, header.TimestampNs));
                    }
                    else
                    {
                        ParseResult(head.AsSpan(0, checkedBytes), position, path);
                    }
                }

                position = end;
            }
        }
        catch (InvalidDataException e)
        {
            return new RecordingScan(index, position, e.Message);
        }

        return new RecordingScan(index, position, null);
    }

    /// <summary>A message header (§3) as a recording holds it: a length of 4 to 1 GiB and zero reserved bytes, or the file is damaged there.</summary>
    public static (MessageType Type, int BodyLength) ReadHeaderAt(FileStream file, long offset, byte[] head, string path)
    {
        file.Position = offset;
        file.ReadExactly(head.AsSpan(0, MessageHeader.Size));
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head);
        string? fault = length < ProtocolConstants.LengthCoveredHeaderSize ? $"its length, {length}, is below 4 (MalformedMessage)"
            : length > ProtocolConstants.MaxMaxMessageLength ? $"its length, {length}, is above the {ProtocolConstants.MaxMaxMessageLength} bytes a reader takes (MessageTooLarge)"
            : head[5] != 0 || head[6] != 0 || head[7] != 0 ? "its reserved bytes 5-7 are not zero (ReservedBitSet)"
            : null;
        if (fault is not null)
        {
            throw DamageAt(path, offset, $"the message header is not valid: {fault}");
        }

        return ((MessageType)head[4], (int)(length - ProtocolConstants.LengthCoveredHeaderSize));
    }

    /// <summary>A recorded FRAME's header by §6.1; model inputs are allowed, since a recorder keeps only what its connection accepted.</summary>
    public static FrameHeader ParseFrame(ReadOnlySpan<byte> body, long offset, string path, long? bodyLength = null)
    {
        try
        {
            return FrameHeader.Read(body, bodyLength ?? body.Length, modelInputs: true);
        }
        catch (ProtocolException e)
        {
            throw DamageAt(path, offset, $"the FRAME is not valid: {e.Message} ({e.Code})");
        }
    }

    /// <summary>A recorded RESULT's header by §10.2.</summary>
    public static ResultHeader ParseResult(ReadOnlySpan<byte> body, long offset, string path)
    {
        try
        {
            return ResultHeader.Read(body);
        }
        catch (ProtocolException e)
        {
            throw DamageAt(path, offset, $"the RESULT is not valid: {e.Message} ({e.Code})");
        }
    }

    /// <summary>The one wording of damage: where, what, and that nothing after it is read.</summary>
    public static InvalidDataException DamageAt(string path, long offset, string what) =>
        new($"{path} is damaged at byte {offset}: {what}; the frames before it are read, nothing after it");

    private static RecordingScan Damaged(List<RecordingIndexEntry> index, long offset, string path, string what) =>
        new(index, offset, DamageAt(path, offset, what).Message);

    // The index's last entry must name a whole frame with the same fields, or the index is another file's.
    private static long AfterLastEntry(FileStream file, List<RecordingIndexEntry> index, byte[] head, string path)
    {
        RecordingIndexEntry last = index[^1];
        (MessageType type, int lastBody) = ReadHeaderAt(file, last.Offset, head, path);
        long end = last.Offset + MessageHeader.Size + lastBody;
        file.Position = last.Offset + MessageHeader.Size;
        file.ReadExactly(head.AsSpan(0, FrameHeader.Size));
        if (type != MessageType.Frame || end > file.Length
            || ParseFrame(head.AsSpan(0, FrameHeader.Size), last.Offset, path, lastBody) is var header
            && (header.StreamId, header.Sequence, header.TimestampNs) != (last.StreamId, last.Sequence, last.TimestampNs))
        {
            throw new InvalidDataException("the index does not match the recording");
        }

        return end;
    }

    private static bool RestIsZero(FileStream file, long from)
    {
        byte[] chunk = new byte[64 * 1024];
        file.Position = from;
        for (int read; (read = file.Read(chunk)) > 0;)
        {
            if (chunk.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                return false;
            }
        }

        return true;
    }

    // The entries, and the recording's length when its recorder closed it (0 while recording); no entries when the
    // index is missing, not an index (magic, version, reserved bytes), or names what the recording cannot hold: then
    // it is rebuilt, which is never an error.
    private static (List<RecordingIndexEntry>? Entries, long ClosedLength) ReadIndexFile(string indexPath, long recordingLength)
    {
        if (!File.Exists(indexPath))
        {
            return (null, 0);
        }

        byte[] bytes = File.ReadAllBytes(indexPath);
        long closedLength;
        try
        {
            closedLength = RecordingFormat.ReadIndexHeader(bytes, indexPath);
        }
        catch (InvalidDataException)
        {
            return (null, 0);
        }

        var entries = new List<RecordingIndexEntry>((bytes.Length - RecordingFormat.IndexHeaderSize) / RecordingIndexEntry.Size);
        long previous = 0;
        for (int at = RecordingFormat.IndexHeaderSize; at + RecordingIndexEntry.Size <= bytes.Length; at += RecordingIndexEntry.Size)
        {
            RecordingIndexEntry entry = RecordingIndexEntry.Read(bytes.AsSpan(at));
            if (entry.Offset <= previous || entry.Offset + MessageHeader.Size + FrameHeader.Size > recordingLength
                || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12)) != 0)
            {
                return (null, closedLength);
            }

            entries.Add(entry);
            previous = entry.Offset;
        }

        return (entries, closedLength);
    }
}
