using System.Diagnostics;

namespace RawFrames.Tests.Support;

/// <summary>
/// Two network namespaces joined by a veth pair, like two hosts on one cable: the sender runs in one, the receiver in
/// the other, and tc shapes both directions. Needs root (CI has it). netem (delay, loss) is a kernel module some
/// kernels lack; then the link is shaped by rate alone and <see cref="Shaping"/> says so.
/// </summary>
internal sealed class NetworkNamespacePair : IDisposable
{
    private static int s_next;

    private NetworkNamespacePair(string sender, string receiver, string receiverAddress, string shaping)
    {
        SenderNamespace = sender;
        ReceiverNamespace = receiver;
        ReceiverAddress = receiverAddress;
        Shaping = shaping;
    }

    public string SenderNamespace { get; }

    public string ReceiverNamespace { get; }

    public string ReceiverAddress { get; }

    /// <summary>What the link really does, for the report (e.g. "netem rate 1gbit delay 1ms loss 0.1%").</summary>
    public string Shaping { get; }

    /// <param name="rate">tc rate, e.g. "1gbit".</param>
    /// <param name="netem">netem delay and loss, e.g. "delay 1ms loss 0.1%"; empty for rate only.</param>
    public static NetworkNamespacePair Create(string rate, string netem = "")
    {
        Environment.UserName.Should().Be("root", "network namespaces need root; CI runs the tests as root");
        int id = (Environment.ProcessId % 10_000 * 10) + Interlocked.Increment(ref s_next);
        string a = $"rfa{id}", b = $"rfb{id}", subnet = $"10.{200 + (id % 50)}.{id % 250}";
        Run("ip", "netns", "add", a);
        Run("ip", "netns", "add", b);
        Run("ip", "link", "add", $"va{id}", "netns", a, "type", "veth", "peer", "name", $"vb{id}", "netns", b);
        foreach ((string ns, string device, string address) in (ReadOnlySpan<(string, string, string)>)[(a, $"va{id}", $"{subnet}.1"), (b, $"vb{id}", $"{subnet}.2")])
        {
            Run("ip", "-n", ns, "addr", "add", $"{address}/24", "dev", device);
            Run("ip", "-n", ns, "link", "set", device, "up");
            Run("ip", "-n", ns, "link", "set", "lo", "up");
        }

        string shaping = Shape(a, $"va{id}", rate, netem);
        Shape(b, $"vb{id}", rate, netem);
        return new NetworkNamespacePair(a, b, $"{subnet}.2", shaping);
    }

    /// <summary>The command that runs a program inside a namespace: <c>ip netns exec NS</c>.</summary>
    public static string[] Inside(string ns) => ["ip", "netns", "exec", ns];

    public void Dispose()
    {
        // Deleting a namespace deletes its end of the veth pair, and with it the other end.
        TryRun("ip", "netns", "del", SenderNamespace);
        TryRun("ip", "netns", "del", ReceiverNamespace);
    }

    private static string Shape(string ns, string device, string rate, string netem)
    {
        if (netem.Length > 0 && TryRun(["tc", "-n", ns, "qdisc", "add", "dev", device, "root", "netem", .. netem.Split(' '), "rate", rate]))
        {
            return $"netem rate {rate} {netem}";
        }

        // tbf: a token bucket at the rate, with a queue of about 50 ms, as a switch port would have.
        Run("tc", "-n", ns, "qdisc", "add", "dev", device, "root", "tbf", "rate", rate, "burst", "512kb", "latency", "50ms");
        return netem.Length > 0 ? $"tbf rate {rate} (netem is not in this kernel: no {netem})" : $"tbf rate {rate}";
    }

    private static void Run(params string[] command) =>
        TryRun(command).Should().BeTrue($"'{string.Join(' ', command)}' must succeed to build the test network");

    private static bool TryRun(params string[] command)
    {
        using var process = Process.Start(new ProcessStartInfo(command[0], command[1..]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.WaitForExit(30_000);
        return process.ExitCode == 0;
    }
}
