using System.CommandLine;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Relay;
using RawFrames.Programs.Cli;

var listen = new Option<string?>("--listen") { Description = "Where producers (rawframes-send) connect: tcp://HOST:PORT, unix:///path (shared memory when the sender uses shm://); loopback by default", DefaultValueFactory = _ => "tcp://127.0.0.1:5555" };
var serve = new Option<string[]>("--serve") { Description = "Where subscribers connect (repeatable): tcp://HOST:PORT or unix:///path (a subscriber that connects with shm:///path gets frames through shared memory)", DefaultValueFactory = _ => ["tcp://127.0.0.1:5556"], AllowMultipleArgumentsPerToken = false };
var from = new Option<string?>("--from") { Description = "Subscribe to another relay at tcp://HOST:PORT, unix:///path or shm:///path (chaining relays across machines), or to NATS subjects at nats://HOST:PORT/SUBJECT (wildcards allowed; PROTOCOL.md §19), instead of, or besides, accepting producers; with --no-listen it is the only source" };
var noListen = new Option<bool>("--no-listen") { Description = "Accept no producers (with --from: a pure downstream relay)" };
var upstreamPolicy = new Option<string>("--from-policy") { Description = "With --from: lossless or latest", DefaultValueFactory = _ => "lossless" };
upstreamPolicy.AcceptOnlyFromAmong("lossless", "latest");
var http = new Option<string?>("--http") { Description = "Serve a browser view on IP:PORT: every stream live, /state with every subscriber's policy, queue and drops" };
var queue = NumberOption.Create("--queue", "Frames a lossless subscriber may fall behind before its 'when full' rule applies (unless it asked for another bound)", 8, 1, SubscriptionOptions.MaxQueueFrames);
var maxQueued = NumberOption.Create("--max-queued-mib", "The most memory (MiB) frames queued for one subscriber may take, whatever queue it asked for: past it, its 'when full' rule applies", RelayOptions.DefaultMaxQueuedMib, 1, 1 << 20);
var maxTotalQueued = NumberOption.Create("--max-total-queued-mib", "The most memory (MiB) frames queued for all subscribers together may take (a frame queued for several counts once)", RelayOptions.DefaultMaxTotalQueuedMib, 1, 1 << 20);
var quality = NumberOption.Create("--quality", "JPEG quality for subscribers that ask for JPEG and the browser view", 80, 1, 100);
var idleTimeout = NumberOption.Create("--idle-timeout", "Seconds without a byte from a peer before it is taken for dead (0: never)", 15.0, 0.0, 4e6);
var once = new Option<bool>("--once") { Description = "Stop when the first producer (or the upstream subscription) ends, after the subscribers took what was queued" };
var json = new Option<bool>("--json") { Description = "Print one JSON summary line on stdout at the end, with every subscription" };
var quiet = new Option<bool>("--quiet") { Description = "No live stats line" };

var publish = new Option<string?>("--publish") { Description = "Publish every frame the relay takes onto NATS as well (nats://HOST:PORT/SUBJECT; PROTOCOL.md §19): subscribers on other machines take them from the NATS cluster" };
var model = new ModelInputOptions();
var record = new RecordOptions();
var resultWait = NumberOption.Create("--result-wait-ms", "With --http: while subscribers answer frames with RESULTs (detections, PROTOCOL.md §20), how long the page holds a frame back for its result", 150.0, 0.0, 10_000.0);
var batchWait = NumberOption.Optional("--batch-wait-ms", "With --batch: publish a partial batch once its first image has waited this long (a slow stream does not wait for a full batch); default: wait until full", 1.0, 600_000.0);
var batch = NumberOption.Optional("--batch", "With --model: model inputs per frame served, one NCHW array (PROTOCOL.md §7.2); a stream's last batch may hold fewer", 1, 256);

var root = new RootCommand("rawframes-relay: takes streams from producers and serves them to many subscribers, each with its own policy (PROTOCOL.md §16)\n\n" + NativeCodecs.DescribeNeeds())
{
    listen, serve, from, noListen, upstreamPolicy, http, queue, maxQueued, maxTotalQueued, quality, idleTimeout, once, json, quiet,
};

foreach (Option option in model.All.Append(batch).Append(batchWait).Append(publish).Append(resultWait).Concat(record.All))
{
    root.Options.Add(option);
}

root.SetAction(async (parsed, cancellationToken) =>
{
    // Bad values throw FormatException: ProgramHost answers them with one line and exit code 2.
    if (parsed.GetValue(http) is { } address)
    {
        RawFrames.Viewer.HttpViewer.ParseAddress(address);
    }

    bool listening = !parsed.GetValue(noListen);
    string? fromText = parsed.GetValue(from);
    bool fromNats = fromText is not null && NatsEndpoint.IsNats(fromText);
    string? upstream = fromNats ? null : fromText;
    if (!listening && fromText is null)
    {
        throw new FormatException("--no-listen needs --from: the relay would have no source");
    }

    var options = new RelayOptions(
        listening ? SocketEndpoint.Parse(parsed.GetValue(listen)!) : null,
        [.. parsed.GetValue(serve)!.Select(SocketEndpoint.Parse)],
        upstream is null ? null : SocketEndpoint.Parse(upstream),
        parsed.GetValue(upstreamPolicy) == "latest" ? DeliveryPolicy.Latest : DeliveryPolicy.Lossless,
        parsed.GetValue(http),
        parsed.GetValue(queue),
        new EncoderSettings(Quality: parsed.GetValue(quality)),
        TimeSpan.FromSeconds(parsed.GetValue(idleTimeout)),
        parsed.GetValue(once),
        parsed.GetValue(json),
        parsed.GetValue(quiet))
    {
        Model = model.Parse(parsed),
        Batch = parsed.GetValue(batch) ?? 1,
        Record = record.Parse(parsed),
        BatchWait = TimeSpan.FromMilliseconds(parsed.GetValue(batchWait) ?? 0),
        NatsFrom = fromNats ? NatsEndpoint.Parse(fromText!) : null,
        NatsPublish = parsed.GetValue(publish) is { } natsOut ? NatsEndpoint.Parse(natsOut) : null,
        ResultWait = TimeSpan.FromMilliseconds(parsed.GetValue(resultWait)),
        MaxQueuedMib = parsed.GetValue(maxQueued),
        MaxTotalQueuedMib = parsed.GetValue(maxTotalQueued),
    };
    if (parsed.GetResult(resultWait) is { Implicit: false } && options.Http is null)
    {
        throw new FormatException("--result-wait-ms is how long the browser view (--http) holds a frame for its result: give --http too");
    }
    if (parsed.GetValue(batchWait) is not null && parsed.GetValue(batch) is null)
    {
        throw new FormatException("--batch-wait-ms needs --batch N (and --model)");
    }

    if (options.Model is null && parsed.GetValue(batch) is not null)
    {
        throw new FormatException("--batch needs --model WIDTHxHEIGHT");
    }

    if (options.Model is not null && options.Http is not null)
    {
        throw new FormatException("--http shows pictures, and with --model the relay serves model inputs: run the view on the relay's producers instead");
    }

    await using var run = new RelayRun(options);
    return await run.RunAsync(cancellationToken);
});

return await ProgramHost.RunAsync("rawframes-relay", root, json, args);
