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
/// A damaged file reads up to the damage, then <see cref="Read"/> throws naming it (<see cref="Damage"/>).
/// </summary>
public sealed class RecordingReader : IDisposable
{
    private static readonly Comparer<RecordingIndexEntry> s_byOffset = Comparer<RecordingIndexEntry>.Create((a, b) => a.Offset.CompareTo(b.Offset));
    private readonly FileStream _file;
    private readonly List<RecordingIndexEntry> _index;
    private readonly List<FrameResult> _results = [];
    private readonly byte[] _head = new byte[MessageHeader.Size];
    private readonly FrameViews _views = new();
    private byte[] _body = new byte[64 * 1024];
    private long _reads; // numbers the frames handed out: a frame's memory is its own until the next read
    private CodecPool? _codecs;
    private long _position = RecordingFormat.FileHeaderSize;

    private RecordingReader(string path, FileStream file, long createdNs, RecordingScan scan)
    {
        Path = path;
        _file = file;
        CreatedNs = createdNs;
        WholeLength = scan.WholeLength;
        Damage = scan.Damage;
        _index = scan.Index;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>When the recording was started: nanoseconds since the Unix epoch on the recorder's clock.</summary>
    public long CreatedNs { get; }

    /// <summary>Bytes of whole messages (file header included); anything after them was cut off.</summary>
    public long WholeLength { get; }

    /// <summary>Bytes after the last whole message: a message the recorder was writing when it stopped (0 when the file is damaged: see <see cref="Damage"/>).</summary>
    public long TruncatedBytes => Damage is null ? _file.Length - WholeLength : 0;

    /// <summary>
    /// Where and how the file is damaged (PROTOCOL.md §18), or null: the frames before the damage read as usual, and
    /// <see cref="Read"/> throws this text once they are done. Nothing after it is read.
    /// </summary>
    public string? Damage { get; private set; }

    /// <summary>Frames in the recording.</summary>
    public int FrameCount => _index.Count;

    /// <summary>The first and last frame's timestamps (ns), or null for a recording without frames.</summary>
    public (long First, long Last)? TimeSpanNs => _index.Count == 0 ? null : (_index[0].TimestampNs, _index[^1].TimestampNs);

    /// <summary>The RESULTs read so far, in file order.</summary>
    public IReadOnlyList<FrameResult> Results => _results;

    /// <summary>Opens a recording and its index.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a recording: too short for its 16-byte header, or a header that is not valid.</exception>
    public static RecordingReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        try
        {
            byte[] header = new byte[RecordingFormat.FileHeaderSize];
            int read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            long created = RecordingFormat.ReadFileHeader(header.AsSpan(0, read), path);
            return new RecordingReader(path, file, created, RecordingScan.Run(path, file));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads the next frame (RESULTs on the way go to <see cref="Results"/>); false at the end.</summary>
    /// <exception cref="InvalidDataException">The file is damaged here (<see cref="Damage"/>): every frame before it was read.</exception>
    public bool Read(out RecordedFrame frame)
    {
        try
        {
            return ReadNext(out frame);
        }
        catch (InvalidDataException e)
        {
            Damage ??= e.Message; // found on the way: a trusted index spared the scan this part of the file
            throw;
        }
    }

    private bool ReadNext(out RecordedFrame frame)
    {
        _views.EndAll(); // the last frame's memory is about to hold the next one
        _reads++;
        while (_position < WholeLength)
        {
            long offset = _position;
            (MessageType type, int bodyLength) = RecordingScan.ReadHeaderAt(_file, offset, _head, Path);
            if (offset + MessageHeader.Size + bodyLength > WholeLength)
            {
                // Only where the index was trusted: its length prefix leads past the messages the scan found whole.
                throw RecordingScan.DamageAt(Path, offset, $"a message of {bodyLength + MessageHeader.Size} bytes runs past the last whole message");
            }

            if (_body.Length < bodyLength)
            {
                _body = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)bodyLength)));
            }

            _file.Position = offset + MessageHeader.Size;
            _file.ReadExactly(_body, 0, bodyLength);
            _position = offset + MessageHeader.Size + bodyLength;
            if (type == MessageType.Frame)
            {
                FrameHeader header = RecordingScan.ParseFrame(_body.AsSpan(0, bodyLength), offset, Path);
                frame = new RecordedFrame(header, _body.AsMemory(FrameHeader.Size, header.MetadataLength),
                    _body.AsMemory(header.PayloadOffset, bodyLength - header.PayloadOffset), offset, this, _reads);
                return true;
            }

            if (_index.BinarySearch(new RecordingIndexEntry(offset, 0, 0, 0), s_byOffset) >= 0)
            {
                // The index names a FRAME here: its type byte was damaged (without an index this cannot be seen).
                throw RecordingScan.DamageAt(Path, offset, $"its index names a FRAME there, but the message is of type 0x{(byte)type:X2}");
            }

            if (type == MessageType.Result)
            {
                ResultHeader result = RecordingScan.ParseResult(_body.AsSpan(0, bodyLength), offset, Path);
                _results.Add(new FrameResult(result.StreamId, result.Sequence, result.IsJson, _body.AsSpan(ResultHeader.Size, bodyLength - ResultHeader.Size).ToArray()));
            }
        }

        if (Damage is not null)
        {
            throw new InvalidDataException(Damage);
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
}
