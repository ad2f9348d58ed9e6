using System.Globalization;
using System.Text;
using System.Text.Json;
using RawFrames.Tests.Support;
using Xunit.Abstractions;

namespace RawFrames.Tests.Receiver;

/// <summary>
/// Sender and receiver running for a while, their memory and the frame rate sampled every few seconds; memory must
/// level off, not grow. CI runs two minutes; scripts/soak.sh runs as long as asked (RAWFRAMES_SOAK_SECONDS) and keeps
/// the samples (RAWFRAMES_SOAK_CSV).
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_sample = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(30);

    private static int Seconds => int.TryParse(Environment.GetEnvironmentVariable("RAWFRAMES_SOAK_SECONDS"), out int s) ? s : 120;

    [Fact]
    public async Task LongRun_MemoryLevelsOff_AndFramesKeepFlowing()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--verify", "--json", "--quiet");
        string endpoint = await receiver.ListeningEndpointAsync();
        // Paced, so that the soak leaves the other tests their CPU: 1080p raw at 100 fps with an ACK per frame.
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:1920x1080@100", "--ack",
            "--duration", $"{Seconds}", "--json");

        var samples = new List<(double Seconds, long SenderRss, long ReceiverRss, long Frames)>();
        var csv = new StringBuilder("seconds,sender_rss_mib,receiver_rss_mib,frames\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var timer = new PeriodicTimer(s_sample);
        while (await timer.WaitForNextTickAsync() && !sender.HasExited)
        {
            (long senderRss, long receiverRss) = (sender.MemoryBytes(), receiver.MemoryBytes());
            long frames = sender.LastLiveFrames();
            samples.Add((clock.Elapsed.TotalSeconds, senderRss, receiverRss, frames));
            csv.Append(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:0},{senderRss >> 20},{receiverRss >> 20},{frames}\n");
        }

        (int sendExit, JsonElement sent) = await sender.WaitForSummaryAsync();
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();
        output.WriteLine(csv.ToString());
        if (Environment.GetEnvironmentVariable("RAWFRAMES_SOAK_CSV") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, csv.ToString());
        }

        sendExit.Should().Be(0, sender.Stderr);
        received.GetProperty("frames").GetInt64().Should().Be(sent.GetProperty("frames").GetInt64());
        received.GetProperty("verify_failures").GetInt64().Should().Be(0);
        sent.GetProperty("acked").GetInt64().Should().Be(sent.GetProperty("frames").GetInt64());
        var settled = samples.Where(s => s.Seconds >= s_warmUp.TotalSeconds).ToList();
        settled.Should().HaveCountGreaterThan(3, "the run outlasts its warm-up by several samples");
        int half = settled.Count / 2;
        foreach ((string name, Func<(double, long, long, long), long> rss) in new (string, Func<(double, long, long, long), long>)[]
                 { ("sender", s => s.Item2), ("receiver", s => s.Item3) })
        {
            long early = settled.Take(half).Max(rss);
            long late = settled.Skip(half).Max(rss);
            late.Should().BeLessThanOrEqualTo(early + (16L << 20), $"the {name}'s memory levelled off after the warm-up: {early >> 20} MiB, then {late >> 20} MiB");
        }

        settled.Zip(settled.Skip(1)).Should().OnlyContain(pair => pair.Second.Frames > pair.First.Frames, "frames kept flowing in every interval");
    }
}
