using System.Text.Json;
using RawFrames.Client;
using RawFrames.Protocol.Recording;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// rawframes-recv --record and rawframes-send --source replay: the stream to disk and back byte for byte, a recorder
/// killed mid-frame, a full disk, two producers kept apart, the relay's recorder, and replay's options.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class RecordingProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-record-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<JsonElement> RecordAsync(string path, params string[] senderArguments)
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--record", path, "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", ["--to", endpoint, .. senderArguments, "--json", "--quiet"]);
        (int sendExit, _) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement summary) = await receiver.WaitForSummaryAsync();
        sendExit.Should().Be(0, sender.Stderr);
        recvExit.Should().Be(0, receiver.Stderr);
        return summary;
    }

    [Theory]
    [InlineData("raw", "--source", "synthetic:61x40", "--stride", "200", "--metadata", "{\"camera\":\"door\"}")]
    [InlineData("jpeg", "--source", "synthetic:320x240", "--codec", "jpeg")]
    public async Task ARecording_HoldsTheFramesAsSent_AndItsReplayIsRecordedByteForByte(string name, params string[] source)
    {
        string first = Path.Combine(_directory, $"{name}.rfrec");
        JsonElement recorded = await RecordAsync(first, [.. source, "--frames", "30"]);
        recorded.GetProperty("recorded").GetInt64().Should().Be(30);
        recorded.GetProperty("record_dropped").GetInt64().Should().Be(0);

        using (RecordingReader reader = RecordingReader.Open(first))
        {
            reader.FrameCount.Should().Be(30);
            byte[] pattern = TestImages.PackedPattern(61, 40, 200, 30);
            for (int i = 0; reader.Read(out RecordedFrame frame); i++)
            {
                frame.Sequence.Should().Be((ulong)i);
                if (name == "raw")
                {
                    frame.Stride.Should().Be(200);
                    frame.MetadataText.Should().Be("{\"camera\":\"door\"}");
                    for (int row = 0; row < 40; row++)
                    {
                        frame.Payload.Span.Slice(row * 200, 61 * 3).ToArray().Should().Equal(pattern.AsSpan(((i * 40) + row) * 61 * 3, 61 * 3).ToArray());
                    }
                }
            }
        }

        string second = Path.Combine(_directory, $"{name}-replayed.rfrec");
        await RecordAsync(second, "--source", $"replay:{first}");
        File.ReadAllBytes(second)[RecordingFormat.FileHeaderSize..].Should().Equal(File.ReadAllBytes(first)[RecordingFormat.FileHeaderSize..],
            "every message after the file header, byte for byte");
    }

    [Fact]
    public async Task DecodedVideoFrames_SentAsJpeg_ReplayByteForByte()
    {
        string clip = Path.Combine(_directory, "clip.mkv");
        await Commands.RunAsync("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
            "-c:v", "ffv1", clip);
        string first = Path.Combine(_directory, "video.rfrec");
        (await RecordAsync(first, "--source", $"ffmpeg:{clip}", "--codec", "jpeg", "--fps", "0")).GetProperty("recorded").GetInt64().Should().Be(50);
        string second = Path.Combine(_directory, "video-replayed.rfrec");
        await RecordAsync(second, "--source", $"replay:{first}", "--fps", "0");
        File.ReadAllBytes(second)[RecordingFormat.FileHeaderSize..].Should().Equal(File.ReadAllBytes(first)[RecordingFormat.FileHeaderSize..]);
    }

    [Fact]
    public async Task AReplay_SaysItIsOne_AndNoLatencyIsMeasuredAgainstItsRecordedTimes()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--http", "127.0.0.1:0", "--json", "--quiet");
        JsonElement stream = await ReplayIntoAViewAsync(receiver, await receiver.ListeningEndpointAsync());
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        stream.GetProperty("replay").GetBoolean().Should().BeTrue("the sender said so in its HELLO (option 4)");
        stream.GetProperty("latency_ms").ValueKind.Should().Be(JsonValueKind.Null, "a replay's timestamps are the recording's");
        received.GetProperty("frames").GetInt64().Should().Be(20);
        received.GetProperty("latency_ms_p50").ValueKind.Should().Be(JsonValueKind.Null);
        received.GetProperty("streams")[0].GetProperty("replay").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task AReplayThroughARelay_IsShownAsOne_InTheRelaysBrowserView()
    {
        string producers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var relay = ProgramProcess.Start("rawframes-relay", "--listen", producers, "--serve", $"tcp://127.0.0.1:{LoopbackPorts.Free()}",
            "--http", "127.0.0.1:0", "--json", "--quiet");
        JsonElement stream = await ReplayIntoAViewAsync(relay, producers);
        (int relayExit, _) = await relay.WaitForSummaryAsync();

        relayExit.Should().Be(0, relay.Stderr);
        stream.GetProperty("replay").GetBoolean().Should().BeTrue("the relay's view learns it from the producer's HELLO, through the server");
        stream.GetProperty("latency_ms").ValueKind.Should().Be(JsonValueKind.Null);
    }

    // Records 20 frames, replays them into a program run with --http, and returns the first stream of its view's
    // /state; the program is then asked to stop (its summary follows).
    private async Task<JsonElement> ReplayIntoAViewAsync(ProgramProcess viewing, string endpoint)
    {
        string path = Path.Combine(_directory, "replayed.rfrec");
        await RecordAsync(path, "--source", "synthetic:32x24@100", "--frames", "20");
        string url = await viewing.BrowserViewUrlAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", $"replay:{path}", "--fps", "0", "--json", "--quiet");
        (int sendExit, _) = await sender.WaitForSummaryAsync();
        sendExit.Should().Be(0, sender.Stderr);

        using var http = new HttpClient();
        using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(url + "state"));
        viewing.Signal("INT");
        return state.RootElement.GetProperty("streams")[0].Clone();
    }

    [Fact]
    public async Task ADamagedRecording_IsReplayedUpToTheDamage_AndTheReplayFailsNamingIt()
    {
        string path = Path.Combine(_directory, "damaged.rfrec");
        await RecordAsync(path, "--source", "synthetic:32x24", "--frames", "20");
        long damagedAt;
        using (RecordingReader reader = RecordingReader.Open(path))
        {
            for (int i = 0; i <= 10; i++)
            {
                reader.Read(out _).Should().BeTrue();
            }

            reader.Read(out RecordedFrame eleventh).Should().BeTrue();
            damagedAt = eleventh.Offset;
        }

        byte[] bytes = File.ReadAllBytes(path);
        bytes[damagedAt + 8] = 9; // the 12th frame's codec: no codec of §7
        File.WriteAllBytes(path, bytes);

        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", $"replay:{path}", "--fps", "0", "--json", "--quiet");
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(1, "a damaged source fails the run");
        sent.GetProperty("error").GetString().Should().Contain($"damaged at byte {damagedAt}").And.Contain("UnknownCodec");
        sent.GetProperty("frames").GetInt64().Should().Be(11, "every frame before the damage went out");
        received.GetProperty("frames").GetInt64().Should().Be(11);
        sender.Stderr.Should().Contain($"damaged at byte {damagedAt}");
    }

    [Fact]
    public async Task AReplay_KeepsTheRecordedPace_LoopsAndStartsWhereAsked()
    {
        string path = Path.Combine(_directory, "paced.rfrec");
        await RecordAsync(path, "--source", "synthetic:32x24", "--fps", "50", "--frames", "10");

        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", $"replay:{path}", "--loop", "--frames", "25",
            "--from-sequence", "4", "--json", "--quiet");
        (int exit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();
        exit.Should().Be(0, sender.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(25);
        sent.GetProperty("replay_loops").GetInt32().Should().Be(2, "6 frames from sequence 4, then 10 and 9 of the next two rounds");
        JsonElement stream = received.GetProperty("streams")[0];
        stream.GetProperty("first_sequence").GetUInt64().Should().Be(4);
        stream.GetProperty("backwards").GetInt64().Should().Be(19, "every frame of the later rounds (10 + 9) is behind the first round's last, 9");
        // Recorded 20 ms apart (50 fps) and replayed on that clock: a lower bound only (waits never end early), 22
        // intervals within rounds; how close the intervals come is measured, and scripts/measure-recording.sh quotes it.
        sent.GetProperty("seconds").GetDouble().Should().BeGreaterThan(0.3);
        sent.GetProperty("replay_interval_error_ms_p99").ValueKind.Should().Be(JsonValueKind.Number);
    }

    [Fact]
    public async Task ARecorderKilledMidFrame_LeavesAFileReadableUpToItsLastWholeFrame()
    {
        string path = Path.Combine(_directory, "killed.rfrec");
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--record", path, "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:1920x1080", "--quiet", "--no-reconnect");
        await ProgramProcess.WaitUntilAsync(() => new FileInfo(path).Length > 40L * 1920 * 1080 * 3, "the recording holds 40 frames");
        receiver.Kill();

        using RecordingReader reader = RecordingReader.Open(path);
        reader.FrameCount.Should().BeGreaterThanOrEqualTo(40);
        byte[] expected = TestImages.PackedPattern(1920, 1080, 1920 * 3, 1);
        int read = 0;
        while (reader.Read(out RecordedFrame frame))
        {
            frame.Sequence.Should().Be((ulong)read);
            if (read == 0)
            {
                frame.Payload.ToArray().Should().Equal(expected);
            }

            read++;
        }

        read.Should().Be(reader.FrameCount);
    }

    [Fact]
    public async Task AFullDisk_LeavesFramesOutOfTheRecording_CountedBySequence_WhileReceivingGoesOn()
    {
        // A 2 MB tmpfs in a mount namespace of the receiver's own; the recording is copied out before the namespace ends.
        string mount = Path.Combine(_directory, "small");
        string copy = Path.Combine(_directory, "copied");
        Directory.CreateDirectory(mount);
        Directory.CreateDirectory(copy);
        string path = Path.Combine(mount, "full.rfrec");
        using var receiver = ProgramProcess.StartWrapped(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
            $"mount -t tmpfs -o size=2m tmpfs '{mount}' && \"$0\" \"$@\"; code=$?; cp '{mount}'/* '{copy}'/; exit $code"],
            "rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--record", path, "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--frames", "60", "--json", "--quiet");
        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (int recvExit, JsonElement received) = await receiver.WaitForSummaryAsync();

        sendExit.Should().Be(0, sender.Stderr);
        sent.GetProperty("confirmed").GetBoolean().Should().BeTrue("the live stream lost nothing");
        received.GetProperty("frames").GetInt64().Should().Be(60);
        recvExit.Should().Be(1, "frames were left out of the recording");
        received.GetProperty("error").GetString().Should().Contain("--record left").And.Contain("stream 0:");
        long recorded = received.GetProperty("recorded").GetInt64();
        long dropped = received.GetProperty("record_dropped").GetInt64();
        (recorded + dropped).Should().Be(60);
        recorded.Should().BeInRange(1, 59, "230 KB frames, 2 MB of disk");
        received.GetProperty("record_error").GetString().Should().Contain("No space left");

        using RecordingReader reader = RecordingReader.Open(Path.Combine(copy, "full.rfrec"));
        reader.FrameCount.Should().Be((int)recorded);
        reader.TruncatedBytes.Should().Be(0, "a failed write is undone");
    }

    [Fact]
    public async Task TheRelaysRecorder_RecordsWhatItServes_AndTheResultsASubscriberAnswers()
    {
        string path = Path.Combine(_directory, "relay.rfrec");
        string endpoint = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string subscribers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var relay = ProgramProcess.Start("rawframes-relay", "--listen", endpoint, "--serve", subscribers, "--once", "--record", path, "--json", "--quiet");
        await relay.WaitUntilSaidAsync("producers connect to ");
        await using FrameReceiver model = await FrameReceiver.SubscribeAsync(subscribers, new SubscriptionOptions(), new FrameReceiverOptions());
        await relay.WaitUntilSaidAsync("subscriber 1:");
        Task answering = Task.Run(async () =>
        {
            await foreach (ReceivedFrame frame in model.ReadAllAsync())
            {
                await frame.ReplyJsonAsync($"{{\"boxes\":{frame.Sequence}}}");
            }
        });
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--frames", "40", "--fps", "200", "--json", "--quiet");
        (int sendExit, _) = await sender.WaitForSummaryAsync();
        (int relayExit, JsonElement summary) = await relay.WaitForSummaryAsync();
        await answering.WaitAsync(TimeSpan.FromSeconds(60));
        sendExit.Should().Be(0, sender.Stderr);
        relayExit.Should().Be(0, relay.Stderr);
        summary.GetProperty("recorded").GetInt64().Should().Be(40);
        using RecordingReader reader = RecordingReader.Open(path);
        reader.FrameCount.Should().Be(40);
        while (reader.Read(out _))
        {
        }

        reader.Results.Should().HaveCount((int)summary.GetProperty("record_results").GetInt64()).And.NotBeEmpty();
        reader.Results.Should().OnlyContain(result => result.IsJson && result.Text == $"{{\"boxes\":{result.Sequence}}}");
    }

    [Fact]
    public async Task ARecordingRotates_AtItsSizeLimit_IntoFilesThatTogetherHoldEveryFrame()
    {
        string path = Path.Combine(_directory, "rotating.rfrec");
        JsonElement summary = await RecordAsync(path, "--source", "synthetic:320x240", "--frames", "20");
        summary.GetProperty("record_files").GetArrayLength().Should().Be(1, "no limit, one file");

        string limited = Path.Combine(_directory, "limited.rfrec");
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--record", limited, "--record-max-mb", "1",
            "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:320x240", "--frames", "20", "--json", "--quiet");
        await sender.WaitForSummaryAsync();
        (_, summary) = await receiver.WaitForSummaryAsync();
        string[] files = [.. summary.GetProperty("record_files").EnumerateArray().Select(file => file.GetString()!)];
        files.Should().HaveCount(5, "230 KB frames, at most 1 MB a file: 4 frames each");
        files[1].Should().EndWith("limited-2.rfrec");
        var sequences = new List<ulong>();
        foreach (string file in files)
        {
            using RecordingReader reader = RecordingReader.Open(file);
            new FileInfo(file).Length.Should().BeLessThanOrEqualTo(1_000_000);
            while (reader.Read(out RecordedFrame frame))
            {
                sequences.Add(frame.Sequence);
            }
        }

        sequences.Should().Equal(Enumerable.Range(0, 20).Select(i => (ulong)i));
    }

    [Fact]
    public async Task TwoProducersWithOneStreamId_AreRecordedAsTwoStreams()
    {
        string path = Path.Combine(_directory, "two.rfrec");
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--record", path, "--frames", "60", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var first = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:64x48", "--fps", "100", "--duration", "30", "--quiet");
        using var second = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:80x60", "--fps", "100", "--duration", "30", "--quiet");
        (int exit, JsonElement summary) = await receiver.WaitForSummaryAsync();
        exit.Should().Be(0, receiver.Stderr);
        using RecordingReader reader = RecordingReader.Open(path);
        var streams = new Dictionary<uint, HashSet<int>>();
        while (reader.Read(out RecordedFrame frame))
        {
            (streams.TryGetValue(frame.StreamId, out HashSet<int>? widths) ? widths : streams[frame.StreamId] = []).Add(frame.Width);
        }

        streams.Keys.Should().BeEquivalentTo(new uint[] { 0, 1 }, "the second producer's stream 0 is kept apart as stream 1");
        streams.Values.Should().OnlyContain(widths => widths.Count == 1, "each recorded stream holds one producer's frames");
        summary.GetProperty("recorded").GetInt64().Should().Be(60);
    }
}
