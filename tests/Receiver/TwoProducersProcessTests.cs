using System.Text.Json;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// Two producers left at the default stream id 0 are never merged (PROTOCOL.md §16): the receiver saves, counts and
/// shows them as two streams, and a relay serves them as two streams, saying so in its log.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed partial class TwoProducersProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rawframes-two-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Receiver_SavesCountsAndShowsBothStreams_AndSaysWhatItDid()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--save", _folder, "--verify", "--http", "127.0.0.1:0", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        string url = await receiver.BrowserViewUrlAsync();

        await Task.WhenAll(SendAsync(endpoint, "synthetic:320x240@100"), SendAsync(endpoint, "synthetic:640x360@100"));
        using var http = new HttpClient();
        using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(url + "state"));
        receiver.Signal("INT");
        (int exit, JsonElement received) = await receiver.WaitForSummaryAsync();

        exit.Should().Be(0, receiver.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(80);
        received.GetProperty("saved").GetInt64().Should().Be(80);
        received.GetProperty("gaps").GetInt64().Should().Be(0, "neither stream's sequence numbers are interleaved with the other's");
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        string[] files = Directory.GetFiles(_folder, "*.ppm");
        files.Should().HaveCount(80, "every saved frame is a file of its own: none overwrote another");
        files.GroupBy(file => Path.GetFileName(file).Split('-')[0]).Select(group => (group.Key, group.Count()))
            .Should().BeEquivalentTo(new[] { ("stream0", 40), ("stream1", 40) });
        // One geometry per saved stream: the files of one stream were not mixed with the other's.
        foreach (IGrouping<string, string> stream in files.GroupBy(file => Path.GetFileName(file).Split('-')[0]))
        {
            stream.Select(PpmSize).Distinct().Should().ContainSingle(stream.Key);
        }

        JsonElement[] streams = [.. received.GetProperty("streams").EnumerateArray()];
        streams.Select(s => (s.GetProperty("stream_id").GetInt64(), s.GetProperty("sent_as").GetInt64(), s.GetProperty("frames").GetInt64()))
            .Should().BeEquivalentTo(new[] { (0L, 0L, 40L), (1L, 0L, 40L) });
        state.RootElement.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("stream_id").GetInt64())
            .Should().BeEquivalentTo([0L, 1L], "the browser view lists two streams");
        state.RootElement.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("width").GetInt64()).Distinct()
            .Should().HaveCount(2, "each with its own producer's frames");
        receiver.Stderr.Should().Contain("is also sent by another producer").And.Contain("it is kept apart as stream 1");
    }

    [Fact]
    public async Task Relay_ServesBothStreamsApart_ToASubscriber()
    {
        string producers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string subscribers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var relay = ProgramProcess.Start("rawframes-relay", "--listen", producers, "--serve", subscribers, "--queue", "256", "--max-queued-mib", "300", "--json", "--quiet");
        await relay.WaitUntilSaidAsync("subscribers connect to");
        using var subscriber = ProgramProcess.Start("rawframes-recv", "--from", subscribers, "--verify", "--json", "--quiet");
        await relay.WaitUntilSaidAsync("subscriber 1:");

        // The two producers must overlap: the first goes on until told to stop, the second starts once the first has
        // sent frames, and the first stops only after the relay kept the second apart.
        using var first = ProgramProcess.Start("rawframes-send", "--to", producers, "--source", "synthetic:320x240@100", "--ack", "--json");
        await ProgramProcess.WaitUntilAsync(() => first.LastLiveFrames() > 0, "the first producer is sending");
        await SendAsync(producers, "synthetic:640x360@100");
        await relay.WaitUntilSaidAsync("it is relayed as stream 1");
        first.Signal("INT");
        (int firstExit, JsonElement firstSent) = await first.WaitForSummaryAsync();
        firstExit.Should().Be(0, first.Stderr);
        long firstFrames = firstSent.GetProperty("frames").GetInt64();
        firstSent.GetProperty("acked").GetInt64().Should().Be(firstFrames);
        relay.Signal("INT"); // its END ends the subscription once every frame is out
        await relay.WaitForExitAsync();
        (int exit, JsonElement received) = await subscriber.WaitForSummaryAsync();

        exit.Should().Be(0, subscriber.Stderr);
        received.GetProperty("gaps").GetInt64().Should().Be(0);
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        JsonElement[] streams = [.. received.GetProperty("streams").EnumerateArray()];
        streams.Select(s => (s.GetProperty("stream_id").GetInt64(), s.GetProperty("frames").GetInt64(), s.GetProperty("first_sequence").GetInt64()))
            .Should().BeEquivalentTo(new[] { (0L, firstFrames, 0L), (1L, 40L, 0L) }, "the subscriber sees two whole streams, each from its first frame");
        relay.Stderr.Should().Contain("is also sent by another producer").And.Contain("it is relayed as stream 1");
    }

    private static async Task SendAsync(string to, string source)
    {
        using var sender = ProgramProcess.Start("rawframes-send", "--to", to, "--source", source, "--frames", "40", "--ack", "--json", "--quiet");
        (int exit, JsonElement sent) = await sender.WaitForSummaryAsync();
        exit.Should().Be(0, sender.Stderr);
        sent.GetProperty("acked").GetInt64().Should().Be(40);
    }

    private static string PpmSize(string file)
    {
        using var reader = new StreamReader(file);
        reader.ReadLine();
        return reader.ReadLine()!;
    }
}
