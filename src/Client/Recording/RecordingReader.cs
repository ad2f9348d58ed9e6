using System.Buffers.Binary;
using RawFrames.Client.Receiving;
using RawFrames.Codecs;
using RawFrames.Protocol.Recording;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// Reads a recording (PROTOCOL.md §18) made by <c>rawframes-recv --record</c> or <c>rawframes-relay --record</c>:
/// frames in the order they were recorded, RESULTs as they are passed, and seeking by time or by sequence number
/// through the index (rebuilt from the frames when the index file is missing, short or stale). A file that was cut
/// (a recorder killed, a full disk) reads up to its last whole message; <see cref="TruncatedBytes"/> says what was lost.
/// </summary>
public sealed class RecordingReader : IDisposable
{
    private readonly FileStream _file;
    private readonly List<RecordingIndexEntry> _index;
    private readonly List<FrameResult> _results = [];
    private readonly byte[] _head = new byte[MessageHeader.Size];
    private readonly FrameViews _views = new();
    private byte[] _body = new byte[64 * 1024];
    private long _reads; // numbers the frames handed out: a frame's memory is its own until the next read
    private CodecPool? _codecs;
    private long _position = RecordingFormat.FileHeaderSize;

    private RecordingReader(string path, FileStream file, long createdNs, long wholeLength, List<RecordingIndexEntry> index)
    {
        Path = path;
        _file = file;
        CreatedNs = createdNs;
        WholeLength = wholeLength;
        _index = index;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>When the recording was started: nanoseconds since the Unix epoch on the recorder's clock.</summary>
    public long CreatedNs { get; }

    /// <summary>Bytes of whole messages (file header included); anything after them was cut off.</summary>
    public long WholeLength { get; }

    /// <summary>Bytes after the last whole message: a message the recorder was writing when it stopped.</summary>
    public long TruncatedBytes => _file.Length - WholeLength;

    /// <summary>Frames in the recording.</summary>
    public int FrameCount => _index.Count;

    /// <summary>The first and last frame's timestamps (ns), or null for a recording without frames.</summary>
    public (long First, long Last)? TimeSpanNs => _index.Count == 0 ? null : (_index[0].TimestampNs, _index[^1].TimestampNs);

    /// <summary>The RESULTs read so far, in file order.</summary>
    public IReadOnlyList<FrameResult> Results => _results;

    /// <summary>Opens a recording and its index.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a recording, or a message in it is not valid PROTOCOL.md.</exception>
    public static RecordingReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        try
        {
            byte[] header = new byte[RecordingFormat.FileHeaderSize];
            int read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            long created = RecordingFormat.ReadFileHeader(header.AsSpan(0, read), path);
            (List<RecordingIndexEntry> index, long whole) = LoadIndex(path, file);
            return new RecordingReader(path, file, created, whole, index);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads the next frame (RESULTs on the way go to <see cref="Results"/>); false at the end.</summary>
    /// <exception cref="InvalidDataException">A message that is not valid PROTOCOL.md.</exception>
    public bool Read(out RecordedFrame frame)
    {
        _views.EndAll(); // the last frame's memory is about to hold the next one
        _reads++;
        while (_position < WholeLength)
        {
            long offset = _position;
            (MessageType type, int bodyLength) = ReadHeaderAt(_file, offset, _head, Path);
            if (_body.Length < bodyLength)
            {
                _body = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)bodyLength)));
            }

            _file.Position = offset + MessageHeader.Size;
            _file.ReadExactly(_body, 0, bodyLength);
            _position = offset + MessageHeader.Size + bodyLength;
            if (type == MessageType.Frame)
            {
                FrameHeader header = ParseFrame(_body.AsSpan(0, bodyLength), offset, Path);
                frame = new RecordedFrame(header, _body.AsMemory(FrameHeader.Size, header.MetadataLength),
                    _body.AsMemory(header.PayloadOffset, bodyLength - header.PayloadOffset), offset, this, _reads);
                return true;
            }

            if (type == MessageType.Result)
            {
                ResultHeader result = Parse(() => ResultHeader.Read(_body.AsSpan(0, bodyLength)), offset, Path);
                _results.Add(new FrameResult(result.StreamId, result.Sequence, result.IsJson, _body.AsSpan(ResultHeader.Size, bodyLength - ResultHeader.Size).ToArray()));
            }
        }

        frame = default;
        return false;
    }

    /// <summary>Goes back to the first message.</summary>
    public void Rewind() => _position = RecordingFormat.FileHeaderSize;

    /// <summary>The next <see cref="Read"/> gives the first frame whose timestamp is at or after <paramref name="timestampNs"/>; false when none is.</summary>
    public bool SeekToTime(long timestampNs) => SeekTo(entry => entry.TimestampNs >= timestampNs);

    /// <summary>The next <see cref="Read"/> gives the first frame of <paramref name="streamId"/> whose sequence number is at or after <paramref name="sequence"/>; false when none is.</summary>
    public bool SeekToSequence(uint streamId, ulong sequence) => SeekTo(entry => entry.StreamId == streamId && entry.Sequence >= sequence);

    /// <inheritdoc/>
    public void Dispose()
    {
        _views.EndAll();
        _reads++;
        _codecs?.Dispose();
        _file.Dispose();
    }

    internal void DecodeBgr(long read, in FrameHeader header, ReadOnlySpan<byte> payload, Span<byte> bgr)
    {
        CheckCurrent(read);
        FramePixels.ToBgr(header, payload, bgr, _codecs ??= new CodecPool());
    }

    internal void TrackView(long read, IDisposable view)
    {
        CheckCurrent(read);
        _views.Add(view);
    }

    private void CheckCurrent(long read)
    {
        if (read != _reads)
        {
            throw new InvalidOperationException("the recording reader has read on (or was disposed): this frame's memory holds another; copy what you keep");
        }
    }

    private bool SeekTo(Func<RecordingIndexEntry, bool> wanted)
    {
        int at = _index.FindIndex(entry => wanted(entry));
        if (at < 0)
        {
            _position = WholeLength;
            return false;
        }

        _position = _index[at].Offset;
        return true;
    }

    // The index file when it is whole and agrees with the recording, extended by a scan of what it does not cover;
    // a scan of the whole recording when it is missing or wrong. Also where the whole messages end.
    private static (List<RecordingIndexEntry> Index, long WholeLength) LoadIndex(string path, FileStream file)
    {
        List<RecordingIndexEntry> index = ReadIndexFile(RecordingFormat.IndexPath(path), file.Length) ?? [];
        byte[] head = new byte[MessageHeader.Size + FrameHeader.Size];
        long start = RecordingFormat.FileHeaderSize;
        if (index.Count > 0)
        {
            // The index's last entry must name a whole frame with the same fields, or the index is another file's.
            RecordingIndexEntry last = index[^1];
            (MessageType type, int lastBody) = ReadHeaderAt(file, last.Offset, head, path);
            start = last.Offset + MessageHeader.Size + lastBody;
            file.Position = last.Offset + MessageHeader.Size;
            file.ReadExactly(head.AsSpan(0, FrameHeader.Size));
            if (type != MessageType.Frame || start > file.Length
                || ParseFrame(head.AsSpan(0, FrameHeader.Size), last.Offset, path, lastBody) is var header
                && (header.StreamId, header.Sequence, header.TimestampNs) != (last.StreamId, last.Sequence, last.TimestampNs))
            {
                index.Clear();
                start = RecordingFormat.FileHeaderSize;
            }
        }

        long position = start;
        while (position + MessageHeader.Size <= file.Length)
        {
            file.Position = position;
            file.ReadExactly(head.AsSpan(0, MessageHeader.Size));
            if (BinaryPrimitives.ReadUInt64LittleEndian(head) == 0)
            {
                break; // zeros where a message should be: what a file system leaves of unwritten data after a power cut
            }

            (MessageType type, int bodyLength) = ReadHeaderAt(file, position, head, path);
            long end = position + MessageHeader.Size + bodyLength;
            if (end > file.Length)
            {
                break; // cut inside this message
            }

            if (type == MessageType.Frame)
            {
                file.Position = position + MessageHeader.Size;
                file.ReadExactly(head.AsSpan(0, FrameHeader.Size));
                FrameHeader header = ParseFrame(head.AsSpan(0, FrameHeader.Size), position, path, bodyLength);
                index.Add(new RecordingIndexEntry(position, header.StreamId, header.Sequence, header.TimestampNs));
            }

            position = end;
        }

        return (index, position);
    }

    // Null when the index is missing, not an index, or names an offset past the recording (stale): then it is rebuilt.
    private static List<RecordingIndexEntry>? ReadIndexFile(string indexPath, long recordingLength)
    {
        if (!File.Exists(indexPath))
        {
            return null;
        }

        byte[] bytes = File.ReadAllBytes(indexPath);
        try
        {
            RecordingFormat.ReadIndexHeader(bytes, indexPath);
        }
        catch (InvalidDataException)
        {
            return null;
        }

        var entries = new List<RecordingIndexEntry>((bytes.Length - RecordingFormat.IndexHeaderSize) / RecordingIndexEntry.Size);
        long previous = 0;
        for (int at = RecordingFormat.IndexHeaderSize; at + RecordingIndexEntry.Size <= bytes.Length; at += RecordingIndexEntry.Size)
        {
            RecordingIndexEntry entry = RecordingIndexEntry.Read(bytes.AsSpan(at));
            if (entry.Offset <= previous || entry.Offset + MessageHeader.Size + FrameHeader.Size > recordingLength)
            {
                return null;
            }

            entries.Add(entry);
            previous = entry.Offset;
        }

        return entries;
    }

    private static (MessageType Type, int BodyLength) ReadHeaderAt(FileStream file, long offset, byte[] head, string path)
    {
        file.Position = offset;
        file.ReadExactly(head.AsSpan(0, MessageHeader.Size));
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head);
        var type = (MessageType)head[4];
        if (length < ProtocolConstants.LengthCoveredHeaderSize || length > int.MaxValue || head[5] != 0 || head[6] != 0 || head[7] != 0)
        {
            throw new InvalidDataException($"{path}: the message at byte {offset} has a bad header (length {length}); the recording is damaged there");
        }

        return (type, (int)(length - ProtocolConstants.LengthCoveredHeaderSize));
    }

    private static FrameHeader ParseFrame(ReadOnlySpan<byte> body, long offset, string path, long? bodyLength = null)
    {
        try
        {
            return FrameHeader.Read(body, bodyLength ?? body.Length);
        }
        catch (ProtocolException e)
        {
            throw new InvalidDataException($"{path}: the frame at byte {offset} is not valid: {e.Message}", e);
        }
    }

    private static T Parse<T>(Func<T> parse, long offset, string path)
    {
        try
        {
            return parse();
        }
        catch (ProtocolException e)
        {
            throw new InvalidDataException($"{path}: the message at byte {offset} is not valid: {e.Message}", e);
        }
    }
}
