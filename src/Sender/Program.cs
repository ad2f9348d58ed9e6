using System.CommandLine;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Sender;
using RawFrames.Programs.Cli;
using RawFrames.Programs.Security;
using RawFrames.Programs.Sources;

var to = new Option<string>("--to") { Description = "Receiver endpoint: tcp://HOST:PORT, unix:///path, shm:///path (frames through shared memory, to a receiver listening on that Unix socket), or nats://[CREDENTIALS@]HOST:PORT/SUBJECT (published on NATS, PROTOCOL.md §19)", DefaultValueFactory = _ => "tcp://127.0.0.1:5555" };
var source = new Option<string>("--source") { Description = $"Frame source: {SourceSpec.Syntax}. synthetic is 1920x1080 by default; image is a photo, panned; folder loops over its images in name order", DefaultValueFactory = _ => "synthetic" };
var fps = NumberOption.Optional("--fps", "Frames per second the source is paced at (0: as fast as possible). Default: the source's own rate (a video file's), else as fast as possible", 0.0, 100_000.0);
var ffmpegOptions = new Option<string?>("--ffmpeg-options") { Description = "ffmpeg input options for an ffmpeg: source, placed before -i and split at spaces, e.g. \"-rtsp_transport tcp\" or \"-stream_loop -1\"" };
var codec = new Option<string>("--codec") { Description = "Payload codec", DefaultValueFactory = _ => "raw" };
codec.AcceptOnlyFromAmong([.. CodecNames.All]);
var quality = NumberOption.Create("--quality", "JPEG and YUV-JPEG quality, 1-100", 80, 1, 100);
var subsampling = new Option<string>("--subsampling") { Description = "JPEG chroma subsampling: 420, 422 or 444 (YUV-JPEG is always 420)", DefaultValueFactory = _ => "420" };
subsampling.AcceptOnlyFromAmong("420", "422", "444");
var pngLevel = NumberOption.Create("--png-level", PngLevels.Help, PngLevels.Default, 0, 9);
var encoderThreads = NumberOption.Create("--encoder-threads", "Frames encoded in parallel; they still leave in sequence order", Environment.ProcessorCount, 1, 256);
var stride = NumberOption.Create("--stride", "Bytes per row for raw frames, at least width*3 (0: tightly packed)", 0, 0, int.MaxValue);
var frames = NumberOption.Create("--frames", "Stop after this many frames (0: no limit)", 0L, 0L, long.MaxValue);
var duration = NumberOption.Create("--duration", "Stop after this many seconds (0: no limit)", 0.0, 0.0, 1e9);
var streamId = NumberOption.Create("--stream-id", "Stream id written into every frame header", 0u, 0u, uint.MaxValue);
var metadata = new Option<string?>("--metadata") { Description = "Metadata sent with every frame (flagged as JSON when it parses as JSON)" };
var policy = new Option<string>("--policy") { Description = "When a paced source is faster than the link, the receiver or the encoders: lossless (send every frame, late) or latest (drop superseded frames, counted in dropped; the receiver sees gaps)", DefaultValueFactory = _ => "lossless" };
policy.AcceptOnlyFromAmong("lossless", "latest");
var ack = new Option<bool>("--ack") { Description = "Ask the receiver to acknowledge every frame (ACK) and report round trip times: acked, ack_rtt_ms_p50, ack_rtt_ms_p99" };
var connectTimeout = NumberOption.Create("--connect-timeout", "Seconds to keep trying to connect, at the start and after a lost connection, with backoff (0: forever)", 10.0, 0.0, 1e9);
var noReconnect = new Option<bool>("--no-reconnect") { Description = "End the run when the connection is lost instead of connecting again" };
var peerTimeout = NumberOption.Create("--peer-timeout", "Seconds without hearing anything from the receiver (its PINGs, PONGs to ours, ACKs) after which it is taken for dead and the sender reconnects; announced in HELLO, pinged at a third of it (0: never)", 10.0, 0.0, 4e6);
var tokenFile = new Option<string?>("--token-file") { Description = "Present this shared token to the receiver (the file's contents; or set RAWFRAMES_TOKEN)" };
var tls = new Option<bool>("--tls") { Description = "Connect with TLS, validating the receiver's certificate against the system's trusted roots and the host name" };
var tlsPin = new Option<string?>("--tls-pin") { Description = "Connect with TLS and accept only the certificate with this SHA-256 fingerprint (hex; rawframes-recv logs it), e.g. a self-signed one" };
var speed = NumberOption.Create("--speed", "replay: only: play at this multiple of the recorded pace (--fps 0: as fast as possible)", 1.0, 0.001, 1000.0);
var loop = new Option<bool>("--loop") { Description = "replay: only: start again at the end, until stopped" };
var fromTime = NumberOption.Optional("--from-time", "replay: only: start this many seconds after the recording's first frame", 0.0, 1e9);
var fromSequence = NumberOption.Optional("--from-sequence", "replay: only: start at the first frame with this sequence number or a later one", 0UL, ulong.MaxValue);
var json = new Option<bool>("--json") { Description = "Print one JSON summary line on stdout at the end" };
var quiet = new Option<bool>("--quiet") { Description = "No live stats line" };

var root = new RootCommand("rawframes-send: streams frames to rawframes-recv over the RawFrames protocol (PROTOCOL.md)\n\n" + NativeCodecs.DescribeNeeds())
{
    to, source, fps, ffmpegOptions, codec, quality, subsampling, pngLevel, encoderThreads, stride, frames, duration, streamId, metadata, connectTimeout, noReconnect, peerTimeout, tokenFile, tls, tlsPin, ack, policy, speed, loop, fromTime, fromSequence, json, quiet,
};

root.SetAction(async (parsed, cancellationToken) =>
{
    // Bad values throw FormatException or a usage failure: ProgramHost answers them with one line and exit code 2.
    string target = parsed.GetValue(to)!;
    Endpoint endpoint = Endpoint.Parse(target);
    bool nats = endpoint is NatsEndpoint;
    var options = new SenderOptions(
        endpoint,
        SourceSpec.Parse(parsed.GetValue(source)!) with
        {
            FfmpegInputOptions = parsed.GetValue(ffmpegOptions)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
        },
        parsed.GetValue(fps),
        CodecNames.Parse(parsed.GetValue(codec)!),
        new EncoderSettings(parsed.GetValue(quality), parsed.GetValue(subsampling) switch
        {
            "444" => ChromaSubsampling.S444,
            "422" => ChromaSubsampling.S422,
            _ => ChromaSubsampling.S420,
        }, parsed.GetValue(pngLevel)),
        parsed.GetValue(encoderThreads),
        parsed.GetValue(stride),
        parsed.GetValue(frames),
        parsed.GetValue(duration) is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null,
        parsed.GetValue(streamId),
        parsed.GetValue(metadata),
        TimeSpan.FromSeconds(parsed.GetValue(connectTimeout)),
        !parsed.GetValue(noReconnect),
        TimeSpan.FromSeconds(parsed.GetValue(peerTimeout)),
        SharedToken.Load(parsed.GetValue(tokenFile)),
        parsed.GetValue(tlsPin) is { } pin ? new TlsOptions { PinnedSha256 = pin } : parsed.GetValue(tls) ? new TlsOptions() : null,
        parsed.GetValue(ack),
        parsed.GetValue(policy) == "latest",
        parsed.GetValue(json),
        parsed.GetValue(quiet))
    {
        Replay = new ReplaySettings(parsed.GetValue(speed), parsed.GetValue(fps), parsed.GetValue(loop), parsed.GetValue(fromTime), parsed.GetValue(fromSequence)),
    };
    if (nats && new Option[] { ack, tokenFile, tls, tlsPin, policy }.FirstOrDefault(option => parsed.GetResult(option) is { Implicit: false }) is { } direct)
    {
        throw new FormatException($"{direct.Name} applies to a RawFrames consumer; on NATS put credentials in the URL (nats://USER:PASSWORD@HOST:PORT/SUBJECT)");
    }

    bool replaying = options.Source.Kind == "replay";
    Option[] replayOnly = [speed, loop, fromTime, fromSequence];
    if (!replaying && replayOnly.FirstOrDefault(option => parsed.GetResult(option) is { Implicit: false }) is { } misplaced)
    {
        throw new FormatException($"{misplaced.Name} applies to --source replay:PATH only");
    }

    if (replaying && new Option[] { codec, metadata, stride, streamId }.FirstOrDefault(option => parsed.GetResult(option) is { Implicit: false }) is { } fixedByRecording)
    {
        throw new FormatException($"{fixedByRecording.Name} does not apply to a replay: the frames are sent exactly as recorded");
    }

    if (options.Stride != 0 && options.Stride < options.Source.Width * 3)
    {
        throw new FormatException($"--stride {options.Stride} is less than width*3 = {options.Source.Width * 3}");
    }

    try
    {
        using var probe = options.Codec == Codec.Raw ? null : FrameCodecs.CreateEncoder(options.Codec, options.Encoder);
    }
    catch (CodecUnavailableException e)
    {
        throw RunFailedException.Usage($"--codec {CodecNames.Name(options.Codec)}: {e.Message}");
    }

    return await new SenderRun(options).RunAsync(cancellationToken);
});

return await ProgramHost.RunAsync("rawframes-send", root, json, args);
