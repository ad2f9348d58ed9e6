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
        var open = () => RecordingReader.Open(path);
        open.Should().Throw<InvalidDataException>().WithMessage("*the message at byte 16 has a bad header*");
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
