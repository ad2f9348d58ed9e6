using System.CommandLine;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Relay;

var listen = new Option<string?>("--listen") { Description = "Where producers (rawframes-send) connect: tcp://HOST:PORT, unix:///path (shared memory when the sender uses shm://); loopback by default", DefaultValueFactory = _ => "tcp://127.0.0.1:5555" };
var serve = new Option<string[]>("--serve") { Description = "Where subscribers connect (repeatable): tcp://HOST:PORT or unix:///path; a subscriber that connects with shm:///path gets frames through shared memory", DefaultValueFactory = _ => ["tcp://127.0.0.1:5556"], AllowMultipleArgumentsPerToken = false };
var from = new Option<string?>("--from") { Description = "Subscribe to another relay (chaining relays across machines) instead of, or besides, accepting producers; with --no-listen it is the only source" };
var noListen = new Option<bool>("--no-listen") { Description = "Accept no producers (with --from: a pure downstream relay)" };
var upstreamPolicy = new Option<string>("--from-policy") { Description = "With --from: lossless or latest", DefaultValueFactory = _ => "lossless" };
var http = new Option<string?>("--http") { Description = "Serve a browser view on IP:PORT: every stream live, /state with every subscriber's policy, queue and drops" };
var queue = new Option<int>("--queue") { Description = "Frames a lossless subscriber may fall behind before its 'when full' rule applies (unless it asked for another bound)", DefaultValueFactory = _ => 8 };
var quality = new Option<int>("--quality") { Description = "JPEG quality for subscribers that ask for JPEG and the browser view", DefaultValueFactory = _ => 80 };
var idleTimeout = new Option<double>("--idle-timeout") { Description = "Seconds without a byte from a peer before it is taken for dead (0: never)", DefaultValueFactory = _ => 15 };
var once = new Option<bool>("--once") { Description = "Stop when the first producer (or the upstream subscription) ends, after the subscribers took what was queued" };
var json = new Option<bool>("--json") { Description = "Print one JSON summary line on stdout at the end, with every subscription" };
var quiet = new Option<bool>("--quiet") { Description = "No live stats line" };

SocketTuning.PreferInlineCompletions();

var root = new RootCommand("rawframes-relay: takes streams from producers and serves them to many subscribers, each with its own policy (PROTOCOL.md §16)")
{
    listen, serve, from, noListen, upstreamPolicy, http, queue, quality, idleTimeout, once, json, quiet,
};

root.SetAction(async (parsed, cancellationToken) =>
{
    RelayOptions options;
    try
    {
        if (parsed.GetValue(queue) is < 1 or > Subscription.MaxQueueFrames)
        {
            throw new FormatException($"--queue must be 1 to {Subscription.MaxQueueFrames}");
        }

        if (parsed.GetValue(http) is { } address)
        {
            RawFrames.Viewer.HttpViewer.ParseAddress(address);
        }

        bool listening = !parsed.GetValue(noListen);
        string? upstream = parsed.GetValue(from);
        if (!listening && upstream is null)
        {
            throw new FormatException("--no-listen needs --from: the relay would have no source");
        }

        options = new RelayOptions(
            listening ? FrameEndpoint.Parse(parsed.GetValue(listen)!) : null,
            [.. parsed.GetValue(serve)!.Select(FrameEndpoint.Parse)],
            upstream is null ? null : FrameEndpoint.Parse(upstream),
            new Subscription(parsed.GetValue(upstreamPolicy) switch
            {
                "lossless" => DeliveryPolicy.Lossless,
                "latest" => DeliveryPolicy.Latest,
                var other => throw new FormatException($"--from-policy '{other}': lossless or latest"),
            }),
            parsed.GetValue(http),
            parsed.GetValue(queue),
            new EncoderSettings(Quality: Math.Clamp(parsed.GetValue(quality), 1, 100)),
            TimeSpan.FromSeconds(Math.Max(0, parsed.GetValue(idleTimeout))),
            parsed.GetValue(once),
            parsed.GetValue(json),
            parsed.GetValue(quiet));
    }
    catch (FormatException e)
    {
        await Console.Error.WriteLineAsync($"rawframes-relay: {e.Message}");
        return 2;
    }

    using var run = new RelayRun(options);
    return await run.RunAsync(cancellationToken);
});

return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
