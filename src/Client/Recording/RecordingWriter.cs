using RawFrames.Protocol.Recording;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// Writes one recording file (PROTOCOL.md §18) and its index. Each message goes to the file in whole writes straight
/// from the caller's memory and reaches the kernel before the next (a killed recorder loses at most the message it was
/// writing); a write that fails (a full disk) is undone, so the file still ends on a whole message. The index entry is
/// written after its frame. Closing flushes both to the disk and notes in the index how much of the recording it covers.
/// <see cref="RecordingReader"/> reads what it wrote; <c>rawframes-recv --record</c> and <c>rawframes-send --from replay:</c> use the two.
/// Not thread-safe: one writer per file, used by one thread at a time.
/// </summary>
public sealed class RecordingWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly FileStream _index;
    private readonly byte[] _head = new byte[MessageHeader.Size + FrameHeader.Size + 256];
    private readonly byte[] _entry = new byte[RecordingIndexEntry.Size];
    private static readonly byte[] s_zeros = new byte[8];

    private RecordingWriter(string path, FileStream file, FileStream index)
    {
        Path = path;
        _file = file;
        _index = index;
        Length = RecordingFormat.FileHeaderSize;
    }

    /// <summary>The recording's file (its index is beside it, with <c>.idx</c> appended).</summary>
    public string Path { get; }

    /// <summary>Bytes written, file header included: always on a whole message.</summary>
    public long Length { get; private set; }

    /// <summary>Frames written.</summary>
    public long Frames { get; private set; }

    /// <summary>An index entry could not be written (a full disk): readers rebuild the index from the frames.</summary>
    public bool IndexIncomplete { get; private set; }

    /// <summary>Creates the file (never over an existing one) and its index.</summary>
    /// <param name="path">The recording's file.</param>
    /// <param name="createdNs">When the recording began, nanoseconds since the Unix epoch (the file header says so).</param>
    /// <exception cref="IOException">The file exists, or cannot be made.</exception>
    public static RecordingWriter Create(string path, long createdNs)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
        FileStream? index = null;
        try
        {
            index = new FileStream(RecordingFormat.IndexPath(path), FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
            Span<byte> header = stackalloc byte[RecordingFormat.FileHeaderSize];
            RecordingFormat.WriteFileHeader(header, createdNs);
            file.Write(header);
            RecordingFormat.WriteIndexHeader(header, 0);
            index.Write(header);
            return new RecordingWriter(path, file, index);
        }
        catch
        {
            index?.Dispose();
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Appends one FRAME message, byte for byte as PROTOCOL.md §6 lays it out: the frame's stream, sequence and
    /// timestamp as they are (a received frame is recorded as it was sent).
    /// </summary>
    /// <exception cref="ArgumentException">The frame breaks a rule of PROTOCOL.md §6.1 or §7: no reader would take it.</exception>
    /// <exception cref="IOException">The write failed; the file is as it was before it.</exception>
    public void WriteFrame(in FrameInfo frame, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> payload)
    {
        FrameHeader written = frame.ToWireHeader(metadata.Length);
        FrameInfo.Check(written, payload.Length);
        int bodyLength = checked(written.PayloadOffset + payload.Length);
        long start = Length;
        Span<byte> head = _head.AsSpan(0, MessageHeader.Size + FrameHeader.Size);
        MessageHeader.ForBody(MessageType.Frame, bodyLength).WriteTo(head);
        written.WriteTo(head[MessageHeader.Size..]);
        Append(start, head, metadata, s_zeros.AsSpan(0, written.MetadataPadding), payload);
        Frames++;
        if (IndexIncomplete)
        {
            return; // entries after a gap would hide frames from a reader; it scans from the last entry instead
        }

        new RecordingIndexEntry(start, frame.StreamId, frame.Sequence, frame.TimestampNs).WriteTo(_entry);
        try
        {
            _index.Write(_entry);
        }
        catch (IOException)
        {
            IndexIncomplete = true; // the frame is recorded; readers rebuild what the index lacks
        }
    }

    /// <summary>Appends one RESULT message (PROTOCOL.md §10.2): what a consumer said about a frame, kept beside it.</summary>
    /// <exception cref="IOException">The write failed; the file is as it was before it.</exception>
    public void WriteResult(FrameResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Span<byte> head = _head.AsSpan(0, MessageHeader.Size + ResultHeader.Size);
        MessageHeader.ForBody(MessageType.Result, ResultHeader.Size + result.Data.Length).WriteTo(head);
        new ResultHeader(result.StreamId, result.IsJson, result.Sequence).WriteTo(head[MessageHeader.Size..]);
        Append(Length, head, result.Data, [], []);
    }

    /// <summary>Flushes the recording and its index to the disk and closes both.</summary>
    public void Dispose()
    {
        try
        {
            _file.Flush(flushToDisk: true);
            Span<byte> header = stackalloc byte[RecordingFormat.IndexHeaderSize];
            RecordingFormat.WriteIndexHeader(header, Length);
            _index.Position = 0;
            _index.Write(header);
            _index.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // A full disk at the end: the recording is whole to its last message and the index can be rebuilt.
        }
        finally
        {
            _index.Dispose();
            _file.Dispose();
        }
    }

    private void Append(long start, ReadOnlySpan<byte> head, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third)
    {
        try
        {
            _file.Write(head);
            _file.Write(first);
            _file.Write(second);
            _file.Write(third);
            Length = start + head.Length + first.Length + second.Length + third.Length;
        }
        catch (IOException)
        {
            // Undo the part that was written, so the file ends on a whole message again.
            try
            {
                _file.SetLength(start);
                _file.Position = start;
            }
            catch (IOException)
            {
                // Nothing more can be done; a reader still stops at the last whole message.
            }

            throw;
        }
    }
}
