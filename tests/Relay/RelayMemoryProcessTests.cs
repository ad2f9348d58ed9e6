using System.Text.Json;
using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Relay;

/// <summary>
/// The relay's memory is bounded by its operator and given back after a burst: a raw 1080p camera at 100 fps, a
/// subscriber that keeps up, and one that asks for a lossless queue of 1,024 frames (6.4 GB of this stream) and stops
/// reading. Its queue is held to the relay's bytes bound, and once it is gone the relay's resident memory returns to
/// within 20 % of its level before.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class RelayMemoryProcessTests
{
    private const long Mebibyte = 1 << 20;

    [Theory]
    [InlineData(128)] // the default
    [InlineData(512)] // a burst four times as large
    public async Task AStalledSubscriber_IsHeldToTheBytesBound_AndTheMemoryIsGivenBackWhenItLeaves(int maxQueuedMib)
    {
        string producers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string subscribers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        string[] bound = maxQueuedMib == 128 ? [] : ["--max-queued-mib", $"{maxQueuedMib}", "--max-total-queued-mib", $"{2 * maxQueuedMib}"];
        using var relay = ProgramProcess.Start("rawframes-relay", ["--listen", producers, "--serve", subscribers, "--json", "--quiet", .. bound]);
        await relay.WaitUntilSaidAsync("subscribers connect to");
        using var keepsUp = ProgramProcess.Start("rawframes-recv", "--from", subscribers, "--policy", "latest", "--json");
        await relay.WaitUntilSaidAsync("subscriber 1:");
        using var camera = ProgramProcess.Start("rawframes-send", "--to", producers, "--source", "synthetic:1920x1080@100", "--json", "--quiet");

        // Steady state: frames flowing to the subscriber that keeps up, for a while.
        await ProgramProcess.WaitUntilAsync(() => keepsUp.LastLiveFrames() >= 200, "the subscriber that keeps up has 200 frames");
        long before = relay.MemoryBytes();

        long peak;
        await using (FrameConnection stalled = await FrameConnection.ConnectAsync(FrameEndpoint.Parse(subscribers),
            new ConnectionOptions { Role = PeerRole.Consumer, Subscription = new Subscription(DeliveryPolicy.Lossless, WhenFull.Disconnect, QueueFrames: 1024) }))
        {
            await relay.WaitUntilSaidAsync($"queue 1024 frames or {maxQueuedMib} MiB, whichever comes first");
            // It never reads: its queue fills to the bytes bound, far short of 1,024 frames, and it is cut off.
            await relay.WaitUntilSaidAsync($"subscriber 2 ended: too slow: its lossless queue was full ({maxQueuedMib} MiB for one subscriber");
            peak = relay.MemoryBytes("VmHWM");
        }

        await relay.WaitUntilSaidAsync("gave memory back after a burst");
        await ProgramProcess.WaitUntilAsync(() => relay.MemoryBytes() <= before * 1.2,
            $"the relay's resident memory returns to within 20 % of the {before / Mebibyte} MiB it had before the burst");
        long after = relay.MemoryBytes();

        camera.Signal("INT");
        (await camera.WaitForSummaryAsync()).ExitCode.Should().Be(0, camera.Stderr);
        relay.Signal("INT");
        (int exit, JsonElement summary) = await relay.WaitForSummaryAsync();
        exit.Should().Be(0, relay.Stderr);

        JsonElement stalledState = summary.GetProperty("subscriptions").EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == 2);
        stalledState.GetProperty("full_by").GetString().Should().Be("subscriber_bytes");
        stalledState.GetProperty("max_queued_bytes").GetInt64().Should().BeLessThanOrEqualTo(maxQueuedMib * Mebibyte);
        stalledState.GetProperty("max_queued").GetInt64().Should().BeLessThan(1024, "the bytes bound came long before the frames asked for");
        summary.GetProperty("memory_given_back").GetInt64().Should().BeGreaterThanOrEqualTo(1);
        // The peak: the steady state, the bound, and what a few frames in flight take (the camera's, the sends').
        peak.Should().BeLessThan(before + (maxQueuedMib + 96) * Mebibyte,
            $"the queue is held to {maxQueuedMib} MiB (before {before / Mebibyte} MiB, peak {peak / Mebibyte} MiB, after {after / Mebibyte} MiB)");
    }
}
