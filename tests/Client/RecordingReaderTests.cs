using RawFrames.Client;
using RawFrames.Protocol.Recording;
using RawFrames.Protocol.Wire;

namespace RawFrames.Tests.Client;

/// <summary>PROTOCOL.md §18 read back: seeking by time and sequence, RESULTs, and a file cut at every offset.</summary>
public sealed class RecordingReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-recording-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // Two streams, interleaved: stream 0 sequence 10.., stream 1 sequence 100..; frame k at timestamp 1000 + k ms; metadata on some; RESULTs between.
    private string Write(string name, int frames)
    {
        string path = Path.Combine(_directory, name);
        using RecordingWriter writer = RecordingWriter.Create(path, 42);
        for (int k = 0; k < frames; k++)
        {
            uint stream = (uint)(k % 2);
            var header = FrameInfo.Raw(FrameFormat.Gray8(4, 2, 5), stream, (stream == 0 ? 10UL : 100UL) + (ulong)(k / 2), 1_000_000_000L + (k * 1_000_000L));
            byte[] payload = [.. Enumerable.Range(0, 10).Select(i => (byte)(k + i))];
            writer.WriteFrame(header, k % 3 == 0 ? System.Text.Encoding.UTF8.GetBytes($"{{\"k\":{k}}}") : [], payload);
            if (k % 4 == 1)
            {
                writer.WriteResult(new FrameResult(stream, header.Sequence, true, System.Text.Encoding.UTF8.GetBytes($"{{\"answer\":{k}}}")));
            }
        }

        return path;
    }

    [Fact]
    public void FramesComeBackAsWritten_AndSeekingFindsThemByTimeAndBySequence()
    {
        string path = Write("two.rfrec", 10);
        using RecordingReader reader = RecordingReader.Open(path);
        (reader.FrameCount, reader.CreatedNs, reader.TruncatedBytes).Should().Be((10, 42L, 0L));
        var frames = new List<(uint, ulong, long, string, byte[])>();
        while (reader.Read(out RecordedFrame frame))
        {
            frames.Add((frame.StreamId, frame.Sequence, frame.TimestampNs, frame.MetadataText, frame.Payload.ToArray()));
        }

        frames.Select(f => (f.Item1, f.Item2)).Should().Equal(Enumerable.Range(0, 10).Select(k => ((uint)(k % 2), (k % 2 == 0 ? 10UL : 100UL) + (ulong)(k / 2))));
        frames[3].Item4.Should().Be("{\"k\":3}");
        frames[7].Item5.Should().Equal(Enumerable.Range(7, 10).Select(i => (byte)i));
        reader.Results.Select(r => (r.StreamId, r.Sequence, r.Text)).Should().Equal((1u, 100UL, "{\"answer\":1}"), (1u, 102UL, "{\"answer\":5}"), (1u, 104UL, "{\"answer\":9}"));

        reader.SeekToSequence(1, 103).Should().BeTrue();
        reader.Read(out RecordedFrame found).Should().BeTrue();
        (found.StreamId, found.Sequence).Should().Be((1u, 103UL));
        reader.SeekToTime(1_000_000_000L + 4_500_000).Should().BeTrue();
        reader.Read(out found).Should().BeTrue();
        found.TimestampNs.Should().Be(1_005_000_000L, "the first frame at or after the time");
        reader.SeekToSequence(0, 99).Should().BeFalse();
        reader.Read(out _).Should().BeFalse();
    }

    [Fact]
    public void AFileCutAtAnyOffset_ReadsItsWholeFrames_WithOrWithoutItsIndex()
    {
        string whole = Write("whole.rfrec", 6);
        byte[] bytes = File.ReadAllBytes(whole);
        byte[] index = File.ReadAllBytes(RecordingFormat.IndexPath(whole));
        List<long> frameEnds = FrameEnds(bytes);
        string cut = Path.Combine(_directory, "cut.rfrec");
        for (int length = RecordingFormat.FileHeaderSize; length <= bytes.Length; length++)
        {
            foreach (bool withIndex in new[] { true, false })
            {
                File.WriteAllBytes(cut, bytes[..length]);
                if (withIndex)
                {
                    File.WriteAllBytes(RecordingFormat.IndexPath(cut), index); // stale: names frames the cut file lacks
                }
                else
                {
                    File.Delete(RecordingFormat.IndexPath(cut));
                }

                using RecordingReader reader = RecordingReader.Open(cut);
                int expected = frameEnds.Count(end => end <= length);
                reader.FrameCount.Should().Be(expected, $"cut at {length} bytes, index {(withIndex ? "stale" : "missing")}");
                int read = 0;
                while (reader.Read(out RecordedFrame frame))
                {
                    frame.Payload.Length.Should().Be(10);
                    read++;
                }

                read.Should().Be(expected);
                (reader.WholeLength + reader.TruncatedBytes).Should().Be(length);
            }
        }
    }

    [Fact]
    public void ZerosAfterTheLastFrame_AsAPowerCutLeavesThem_EndTheRecording_AndDamageIsNamed()
    {
        string path = Write("zeros.rfrec", 4);
        File.Delete(RecordingFormat.IndexPath(path));
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, [.. bytes, .. new byte[4096]]);
        using (RecordingReader reader = RecordingReader.Open(path))
        {
            (reader.FrameCount, reader.TruncatedBytes).Should().Be((4, 4096L));
        }

        bytes[RecordingFormat.FileHeaderSize + 5] = 1; // a reserved byte of the first message header
        File.WriteAllBytes(path, bytes);
        using (RecordingReader reader = RecordingReader.Open(path))
        {
            reader.Damage.Should().Contain("damaged at byte 16").And.Contain("ReservedBitSet");
            var read = () => reader.Read(out _);
            read.Should().Throw<InvalidDataException>().WithMessage("*damaged at byte 16*");
        }

        // Zeros with data after them are not a power cut but damage, named where the zeros start.
        byte[] zeroed = File.ReadAllBytes(Write("zeroed.rfrec", 4));
        File.Delete(RecordingFormat.IndexPath(Path.Combine(_directory, "zeroed.rfrec")));
        List<long> ends = FrameEnds(zeroed);
        zeroed.AsSpan((int)ends[1], 8).Clear();
        File.WriteAllBytes(path, zeroed);
        using (RecordingReader reader = RecordingReader.Open(path))
        {
            (reader.FrameCount, reader.TruncatedBytes).Should().Be((2, 0L));
            reader.Damage.Should().Contain($"damaged at byte {ends[1]}: 8 zero bytes where a message header should be, and data after them");
        }
    }

    [Fact]
    public void AFileDamagedAtAnyOffset_ReadsEveryFrameBeforeTheDamage_AndNamesDamageItCanSee()
    {
        string whole = Write("whole.rfrec", 6);
        byte[] bytes = File.ReadAllBytes(whole);
        byte[] index = File.ReadAllBytes(RecordingFormat.IndexPath(whole)); // closed whole: nothing can be unfinished
        List<RecordedFrameFields> original = ReadAll(whole, out string? none);
        none.Should().BeNull();
        List<long> starts = MessageStarts(bytes);
        string damaged = Path.Combine(_directory, "damaged.rfrec");
        File.WriteAllBytes(RecordingFormat.IndexPath(damaged), index);
        for (int offset = 0; offset < bytes.Length; offset++)
        {
            byte[] copy = [.. bytes];
            copy[offset] ^= 0xFF;
            File.WriteAllBytes(damaged, copy);
            string where = $"byte {offset} flipped";
            if (offset < RecordingFormat.FileHeaderSize)
            {
                // Magic, version and reserved bytes make it no recording; the creation time is any value.
                var open = () => RecordingReader.Open(damaged).Dispose();
                if (offset < 8)
                {
                    open.Should().Throw<InvalidDataException>(where).WithMessage("*recording*");
                }
                else
                {
                    open.Should().NotThrow(where);
                }

                continue;
            }

            List<RecordedFrameFields> read = ReadAll(damaged, out string? error);
            long message = starts.Last(start => start <= offset);
            int before = original.Count(frame => frame.End <= message);
            read.Take(before).Should().Equal(original.Take(before), $"{where}: every frame before the damaged message is read as it was");
            int inHeader = (int)(offset - message);
            bool frame = original.Any(f => f.Start == message);
            bool visible = inHeader is >= 0 and < 4 or 5 or 6 or 7 || (frame && inHeader is 4 or (>= 8 and < 12));
            if (visible)
            {
                error.Should().NotBeNull($"{where}: a damaged length, reserved byte, type of an indexed FRAME, codec, pixel format or flags is never silent");
                error.Should().Contain("damaged at byte");
                read.Should().HaveCount(before, where);
            }
            else if (error is null)
            {
                read.Should().HaveCount(original.Count, $"{where}: undetectable damage (a pixel, a timestamp) loses no frame");
            }
        }
    }

    private sealed record RecordedFrameFields(long Start, long End, uint StreamId, ulong Sequence, long TimestampNs, string Metadata, string Payload);

    // Every frame, with its place in the file, until the end or the damage (its text in error).
    private static List<RecordedFrameFields> ReadAll(string path, out string? error)
    {
        var frames = new List<RecordedFrameFields>();
        error = null;
        byte[] bytes = File.ReadAllBytes(path);
        using RecordingReader reader = RecordingReader.Open(path);
        try
        {
            while (reader.Read(out RecordedFrame frame))
            {
                long start = frame.Offset;
                frames.Add(new RecordedFrameFields(start, start + 4 + BitConverter.ToUInt32(bytes, (int)start),
                    frame.StreamId, frame.Sequence, frame.TimestampNs, Convert.ToHexString(frame.Metadata.Span), Convert.ToHexString(frame.Payload.Span)));
            }
        }
        catch (InvalidDataException e)
        {
            error = e.Message;
        }

        if (reader.Damage is not null)
        {
            error.Should().Be(reader.Damage, "Read throws the damage Open found, after the frames before it");
        }

        return frames;
    }

    private static List<long> MessageStarts(byte[] bytes)
    {
        var starts = new List<long>();
        for (int at = RecordingFormat.FileHeaderSize; at + 8 <= bytes.Length; at += 4 + BitConverter.ToInt32(bytes, at))
        {
            starts.Add(at);
        }

        return starts;
    }

    [Fact]
    public void AFileThatIsNotARecording_IsRefusedInWords()
    {
        string path = Path.Combine(_directory, "photo.jpg");
        File.WriteAllBytes(path, [0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var open = () => RecordingReader.Open(path);
        open.Should().Throw<InvalidDataException>().WithMessage("*is not a RawFrames recording*RFRC*");
    }

    // Where each FRAME message ends, from the file's own length prefixes.
    private static List<long> FrameEnds(byte[] bytes)
    {
        var ends = new List<long>();
        for (int at = RecordingFormat.FileHeaderSize; at + 8 <= bytes.Length;)
        {
            int length = BitConverter.ToInt32(bytes, at);
            if (bytes[at + 4] == (byte)MessageType.Frame)
            {
                ends.Add(at + 4 + length);
            }

            at += 4 + length;
        }

        return ends;
    }
}
