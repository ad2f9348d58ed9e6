using System.CommandLine;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Receiver;
using RawFrames.Programs.Cli;
using RawFrames.Programs.Security;

var listen = new Option<string>("--listen") { Description = "Endpoint to listen on: tcp://HOST:PORT or unix:///path (a sender connecting with shm:///path sends through shared memory); loopback by default, exposing it takes an explicit address", DefaultValueFactory = _ => "tcp://127.0.0.1:5555" };
var frames = NumberOption.Create("--frames", "Exit after this many frames in total (0: no limit)", 0L, 0L, long.MaxValue);
var once = new Option<bool>("--once") { Description = "Exit when the first connection ends" };
var verify = new Option<bool>("--verify") { Description = "Compare every frame with the synthetic pattern regenerated from its sequence number" };
var decode = new Option<string>("--decode") { Description = "Decode compressed frames: none, bgr or yuv (J420 planes)", DefaultValueFactory = _ => "none" };
decode.AcceptOnlyFromAmong("none", "bgr", "yuv");
var fastDecode = new Option<bool>("--fast-decode") { Description = "JPEG: TurboJPEG's fast integer IDCT and plain chroma upsampling: about 14% less decode CPU, about 0.9 dB lower PSNR on a photo" };
var decoderThreads = NumberOption.Create("--decoder-threads", "Frames decoded in parallel per connection; delivered in sequence order", Environment.ProcessorCount, 1, 256);
var minPsnr = NumberOption.Create("--min-psnr", "With --verify: the lowest PSNR (dB) a lossy frame may have; lossless codecs must match exactly", 25.0, 0.0, 1000.0);
var save = new Option<string?>("--save") { Description = "Write received frames into this folder (raw BGR as .ppm, compressed payloads as they are)" };
var saveEvery = NumberOption.Create("--save-every", "With --save: keep one frame in N", 1, 1, int.MaxValue);
var maxMessageBytes = NumberOption.Create("--max-message-bytes", "Largest message accepted; longer length prefixes are refused before reading the payload", FrameReceiverOptions.DefaultMaxMessageLength,
    FrameReceiverOptions.MinMaxMessageLength, FrameReceiverOptions.MaxMaxMessageLength);
var clockSynced = new Option<bool>("--clock-synced") { Description = "Trust frame timestamps from other hosts for latency (clocks synchronized by PTP/NTP); loopback and Unix sockets are always trusted" };
var stdout = new Option<bool>("--stdout") { Description = "Write the first stream's frames to stdout for ffmpeg/ffplay: raw pixels without row padding, compressed payloads as they are, or with --decode the decoded pixels (README)" };
var idleTimeout = NumberOption.Create("--idle-timeout", "Seconds without receiving anything after which a sender is taken for dead and its connection closed (ERROR Timeout); announced in HELLO so senders ping in time (0: never)", 15.0, 0.0, 4e6);
var http = new Option<string?>("--http") { Description = "Serve a browser view on IP:PORT (e.g. 127.0.0.1:8080): a page with every stream live, /stream/ID (MJPEG), /snapshot/ID (JPEG), /state (JSON per stream and viewer)" };
var tokenFile = new Option<string?>("--token-file") { Description = "Require senders to present this shared token (the file's contents; or set RAWFRAMES_TOKEN); a missing or wrong token is refused with ERROR Unauthorized. Without TLS the token crosses the network in clear text" };
var tlsCert = new Option<string?>("--tls-cert") { Description = "Serve TLS with this certificate: a PEM file (with the key, or give --tls-key) or a .pfx/.p12" };
var tlsKey = new Option<string?>("--tls-key") { Description = "The PEM private key of --tls-cert, when it is in a file of its own" };
var maxConnections = NumberOption.Create("--max-connections", "Connections served at once; more are refused with ERROR ConnectionLimit", 64, 1, 100_000);
var from = new Option<string?>("--from") { Description = "Instead of listening: subscribe to a rawframes-relay at tcp://HOST:PORT, unix:///path or shm:///path (frames through shared memory), or to NATS subjects at nats://[CREDENTIALS@]HOST:PORT/SUBJECT (wildcards allowed, PROTOCOL.md §19)" };
var policy = new Option<string>("--policy") { Description = "With --from: lossless (every frame, through a bounded queue at the relay) or latest (only the newest frame; the relay drops and counts the rest)", DefaultValueFactory = _ => "lossless" };
var whenFull = new Option<string>("--when-full") { Description = "With --from and --policy lossless: when this subscriber's queue at the relay is full, switch to latest, or disconnect (ERROR TooSlow)", DefaultValueFactory = _ => "latest" };
policy.AcceptOnlyFromAmong("lossless", "latest");
whenFull.AcceptOnlyFromAmong("latest", "disconnect");
var want = new Option<string?>("--want") { Description = "With --from: ask the relay for this codec (raw, jpeg, yuv-jpeg, png, bmp); it is made once per frame for every subscriber that wants it" };
want.AcceptOnlyFromAmong([.. CodecNames.All]);
var queue = NumberOption.Create("--queue", "With --from: the bound of this subscriber's lossless queue at the relay (0: the relay's default)", 0, 0, SubscriptionOptions.MaxQueueFrames);
var stream = NumberOption.Optional("--stream", "With --from: only this stream id", 0u, uint.MaxValue - 1);
var json = new Option<bool>("--json") { Description = "Print one JSON summary line on stdout at the end (on stderr with --stdout)" };
var quiet = new Option<bool>("--quiet") { Description = "No live stats line" };

var model = new ModelInputOptions();
var record = new RecordOptions();

var root = new RootCommand("rawframes-recv: receives frames from rawframes-send over the RawFrames protocol (PROTOCOL.md)\n\n" + NativeCodecs.DescribeNeeds())
{
    listen, from, policy, whenFull, want, queue, stream, frames, once, verify, decode, fastDecode, decoderThreads, minPsnr, save, saveEvery, stdout, http, maxMessageBytes, idleTimeout, tokenFile, tlsCert, tlsKey, maxConnections, clockSynced, json, quiet,
};

foreach (Option option in model.All.Concat(record.All))
{
    root.Options.Add(option);
}

root.SetAction(async (parsed, cancellationToken) =>
{
    // Bad values throw FormatException or a usage failure: ProgramHost answers them with one line and exit code 2.
    if (parsed.GetValue(http) is { } address)
    {
        RawFrames.Viewer.HttpViewer.ParseAddress(address);
    }

    var options = new ReceiverOptions(
        SocketEndpoint.Parse(parsed.GetValue(listen)!),
        parsed.GetValue(frames),
        parsed.GetValue(once),
        parsed.GetValue(verify),
        parsed.GetValue(decode) switch
        {
            "bgr" => DecodeTarget.Bgr,
            "yuv" => DecodeTarget.Yuv,
            _ => null,
        },
        parsed.GetValue(decoderThreads),
        parsed.GetValue(fastDecode),
        parsed.GetValue(minPsnr),
        parsed.GetValue(save),
        parsed.GetValue(saveEvery),
        parsed.GetValue(stdout),
        parsed.GetValue(http),
        parsed.GetValue(maxMessageBytes),
        TimeSpan.FromSeconds(parsed.GetValue(idleTimeout)),
        SharedToken.Load(parsed.GetValue(tokenFile)),
        parsed.GetValue(tlsCert) is { } certificate ? new TlsOptions { Certificate = LoadCertificate(certificate, parsed.GetValue(tlsKey)) } : null,
        parsed.GetValue(maxConnections),
        parsed.GetValue(clockSynced),
        parsed.GetValue(json),
        parsed.GetValue(quiet))
    {
        From = parsed.GetValue(from) is { } source ? Endpoint.Parse(source) : null,
        Subscription = new SubscriptionOptions
        {
            Policy = parsed.GetValue(policy) == "latest" ? DeliveryPolicy.Latest : DeliveryPolicy.Lossless,
            WhenFull = parsed.GetValue(whenFull) == "disconnect" ? WhenFull.Disconnect : WhenFull.SwitchToLatest,
            Codec = parsed.GetValue(want) is { } codecName ? CodecNames.Parse(codecName) : null,
            QueueFrames = parsed.GetValue(queue),
            StreamId = parsed.GetValue(stream),
        },
        Model = model.Parse(parsed),
        Record = record.Parse(parsed),
    };

    if (options.From is NatsEndpoint && new Option[] { want, stream, whenFull, tokenFile, tlsCert }.FirstOrDefault(option => parsed.GetResult(option) is { Implicit: false }) is { } notOnNats)
    {
        throw new FormatException($"{notOnNats.Name} does not apply to NATS: choose streams and codecs with the subject (SUBJECT.STREAM.CODEC, wildcards allowed) and put credentials in the URL");
    }

    if (options.Model is not null && (options.Decode is not null || options.Verify))
    {
        throw new FormatException($"--model makes model inputs of every frame; {(options.Verify ? "--verify" : "--decode")} cannot be used with it");
    }

    return await new ReceiverRun(options).RunAsync(cancellationToken);
});

// Ctrl+C or SIGTERM cancels the action's token; the program then tells senders it is shutting down (they reconnect
// later) and prints its summary.
return await ProgramHost.RunAsync("rawframes-recv", root, json, args);

static System.Security.Cryptography.X509Certificates.X509Certificate2 LoadCertificate(string path, string? key)
{
    try
    {
        return TlsOptions.LoadCertificate(path, key);
    }
    catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
    {
        throw new FormatException($"--tls-cert {path}: {e.Message}");
    }
}
