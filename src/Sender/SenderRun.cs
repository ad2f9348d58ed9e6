using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Sender.Sources;
using RawFrames.Programs.Cli;
using RawFrames.Programs.Sources;
using RawFrames.Programs.Stats;
using RawFrames.Programs;

namespace RawFrames.Sender;

/// <summary>
/// rawframes-send: source → (encoders) → the library's <see cref="FrameSender"/>, which connects, reconnects and
/// accounts for ACKs. Streams until a limit, a signal or the receiver says stop, ends cleanly, and prints the summary
/// on every exit.
/// </summary>
internal sealed class SenderRun(SenderOptions options)
{
    private readonly Log _log = new("send");
    private readonly TransferTotals _totals = new();
    private readonly AllocationWindow _allocations = new();
    private StopCause _stoppedBy = StopCause.Signal;
    private string? _failure;
    private IFrameSource? _source;
    private FrameSender? _sender;
    private SendLoop? _loop;
    private ReplayLoop? _replay;
    private RecordingReader? _replayReader;
    private bool _confirmed;

    /// <summary>Runs until done or failed; prints the summary (and the JSON line) on every exit, with the error if there was one.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        int exitCode;
        try
        {
            exitCode = await StreamAsync(cancellationToken);
        }
        catch (RunFailedException e)
        {
            _failure ??= e.Message;
            _stoppedBy = StopCause.Error;
            exitCode = e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _log.Info(_sender is null ? "stopped before a connection was made" : "stopped");
            exitCode = _failure is null ? ExitCodes.Done : ExitCodes.Failed;
        }

        if (_failure is not null)
        {
            _log.Info(_failure);
        }

        RunSummary summary = BuildSummary(exitCode);
        await Console.Error.WriteLineAsync(summary.ToTable("rawframes-send summary"));
        if (options.Json)
        {
            await Console.Out.WriteLineAsync(summary.ToJson());
        }

        return exitCode;
    }

    private async Task<int> StreamAsync(CancellationToken cancellationToken)
    {
        if (options.Source.Kind == "replay")
        {
            return await ReplayAsync(cancellationToken);
        }

        int framesInFlight = options.Codec == Codec.Raw ? 1 : EncodingPipeline.FramesInFlight(options.EncoderThreads);
        PixelFormat wanted = options.Codec == Codec.YuvJpeg ? PixelFormat.J420 : PixelFormat.Bgr24;
        try
        {
            _source = await SourceOpening.OpenAsync(options.Source, options.Stride, framesInFlight, wanted, _log.Info, cancellationToken);
        }
        catch (Exception e) when (e is IOException or FormatException or CorruptFrameException or CodecUnavailableException or UnauthorizedAccessException)
        {
            throw RunFailedException.Usage($"cannot open source {options.Source.Path ?? options.Source.Kind}: {e.Message}");
        }

        using IFrameSource source = _source;
        if (options.Codec != Codec.Raw && !EncodingPipeline.CanEncode(options.Codec, source.PixelFormat))
        {
            throw RunFailedException.Usage($"--codec {CodecNames.Name(options.Codec)} encodes bgr24 frames, and this source gives {source.PixelFormat}: use --codec raw or yuv-jpeg (j420)");
        }

        await using FrameSender sender = await ConnectAsync(source, cancellationToken);
        _sender = sender;
        using var metrics = new TransferMetrics(_totals, "rawframes-send");
        metrics.AddCounter("rawframes.reconnects", () => sender.Statistics.Reconnects, "{connection}", "Connections made again after one was lost");
        metrics.AddCounter("rawframes.dropped", () => Dropped, "{frame}", "Frames the latest policy dropped");
        if (options.Ack)
        {
            metrics.AddCounter("rawframes.acked", () => sender.Statistics.Acknowledged, "{frame}", "Frames the receiver acknowledged");
            metrics.AddPercentiles("rawframes.ack_rtt", sender.Statistics.AckRoundTrips!, "Send to acknowledgement, on the sender's clock");
        }

        _loop = new SendLoop(options, source, sender, _totals, _allocations);
        await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "send", Console.Error, () => $"  dropped {Dropped}  reconnects {sender.Statistics.Reconnects}"))
        {
            (_stoppedBy, _failure) = await _loop.RunAsync(cancellationToken);
        }

        _allocations.Close(_totals.Frames);
        // The receiver's END says it has read every frame sent before ours; a source that failed leaves the frames
        // before it intact, a connection that failed does not.
        _confirmed = _stoppedBy != StopCause.Error && await sender.CompleteAsync();
        JudgeEnd(sender);
        return _failure is null ? ExitCodes.Done : ExitCodes.Failed;
    }

    // --source replay:PATH: the recording's frames as they were, through the same FrameSender.
    private async Task<int> ReplayAsync(CancellationToken cancellationToken)
    {
        RecordingReader reader;
        try
        {
            reader = RecordingReader.Open(options.Source.Path!);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw RunFailedException.Usage($"cannot open source {options.Source.Path}: {e.Message}");
        }

        using (reader)
        {
            _replayReader = reader;
            if (reader.TruncatedBytes > 0)
            {
                _log.Info($"{reader.Path}: the last {reader.TruncatedBytes} bytes are an unfinished message (the recorder stopped while writing it); replaying the {reader.FrameCount} whole frames");
            }

            await using FrameSender sender = await ConnectAsync(0, cancellationToken);
            _sender = sender;
            _replay = new ReplayLoop(reader, options.Replay, options.Frames, options.Duration, sender, _totals, _allocations);
            await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "replay", Console.Error, () => $"  loops {_replay.Loops}"))
            {
                try
                {
                    _stoppedBy = await _replay.RunAsync(cancellationToken);
                }
                catch (InvalidDataException e)
                {
                    // PROTOCOL.md §18: a damaged recording is a source that failed there: the frames before it went out
                    // and end the stream; the run fails, naming the damage.
                    (_stoppedBy, _failure) = (StopCause.SourceError, e.Message);
                }
            }

            _allocations.Close(_totals.Frames);
            _confirmed = _stoppedBy != StopCause.Error && await sender.CompleteAsync();
            JudgeEnd(sender);

            return _failure is null ? ExitCodes.Done : ExitCodes.Failed;
        }
    }

    private Task<FrameSender> ConnectAsync(IFrameSource source, CancellationToken cancellationToken) =>
        // Raw frames are the source's own size; a compressed frame is almost always smaller than packed BGR.
        ConnectAsync(options.Codec == Codec.Raw
            ? PixelLayout.RawPayloadSize(source.PixelFormat, source.Width, source.Height, source.Stride)
            : 3L * source.Width * source.Height, cancellationToken);

    private async Task<FrameSender> ConnectAsync(long largest, CancellationToken cancellationToken)
    {
        var settings = new FrameSenderOptions
        {
            StreamId = options.StreamId,
            Ack = options.Ack,
            ConnectTimeout = options.ConnectTimeout,
            Reconnect = options.Reconnect,
            Policy = options.Latest ? SendPolicy.Latest : SendPolicy.Lossless,
            PeerTimeout = options.PeerTimeout,
            Token = options.Token,
            Tls = options.Tls,
            LargestPayload = (int)Math.Min(largest, int.MaxValue),
            Software = "rawframes-send/1",
            Replay = options.Source.Kind == "replay",
            LoggerFactory = _log.Factory,
        };
        try
        {
            FrameSender sender = await FrameSender.ConnectAsync(options.To.Text, settings, cancellationToken);
            if (sender.NatsPublisher is { } publisher && options.To is NatsEndpoint nats)
            {
                _log.Info($"publishing on {nats.Server} under {nats.Subject}.STREAM.CODEC as {publisher.PublisherId} (the server takes frames up to {publisher.MaxPayload:N0} bytes)");
            }

            return sender;
        }
        catch (ProtocolException e)
        {
            throw new RunFailedException(e.Message.StartsWith(options.Target, StringComparison.Ordinal) ? e.Message : $"{options.Target}: {e.Message}");
        }
        catch (IOException e)
        {
            string within = options.ConnectTimeout > TimeSpan.Zero ? $"; gave up after {options.ConnectTimeout.TotalSeconds:0.#} s (--connect-timeout)" : "";
            throw new RunFailedException(e.Message + within);
        }
    }

    // How the stream ended decides the run's end, whatever the loop saw last: the receiver's END is a stop asked for;
    // its ERROR, a protocol fault (either side's) or a link lost for good is a failure, even after the last frame.
    private void JudgeEnd(FrameSender sender)
    {
        switch (sender.End)
        {
            case { Kind: SenderEndKind.ReceiverEnded } when _stoppedBy is StopCause.Signal:
                _stoppedBy = StopCause.Receiver;
                break;
            case { IsClean: false } end:
                (_stoppedBy, _failure) = (StopCause.Error, _failure ?? end.Reason);
                break;
        }
    }

    private long Dropped => (_loop?.Dropped ?? 0) + (_sender?.Statistics.Dropped ?? 0);

    private RunSummary BuildSummary(int exitCode)
    {
        RunSummary summary = new RunSummary()
            .Add("endpoint", options.Target)
            .Add("codec", options.Source.Kind == "replay" ? "as recorded" : CodecNames.Name(options.Codec))
            .Add("source", options.Source.Kind)
            .Add("width", _source?.Width ?? options.Source.Width)
            .Add("height", _source?.Height ?? options.Source.Height)
            .Add("source_reopens", (_source as ReopeningSource)?.Reopens ?? 0);
        if (_sender?.NatsPublisher is { } publisher)
        {
            summary.Add("transport", "nats").Add("nats_publisher", publisher.PublisherId).Add("nats_max_payload", publisher.MaxPayload);
        }

        if (_replay is { } replay)
        {
            summary.Add("replay_frames_in_file", _replayReader?.FrameCount ?? 0)
                .Add("replay_loops", replay.Loops)
                .Add("replay_interval_error_ms_p50", replay.IntervalErrors.Count > 0 ? replay.IntervalErrors.PercentileMs(50) : double.NaN, "ms")
                .Add("replay_interval_error_ms_p99", replay.IntervalErrors.Count > 0 ? replay.IntervalErrors.PercentileMs(99) : double.NaN, "ms");
        }

        _totals.AddTo(summary)
            .Add("stopped_by", _stoppedBy.Name())
            .Add("policy", options.Latest ? "latest" : "lossless")
            .Add("dropped", Dropped)
            .Add("confirmed", _confirmed)
            .Add("allocated_bytes_per_frame", _allocations.BytesPerFrame, "B");
        if (_sender is { } sender)
        {
            SenderStatistics stats = sender.Statistics;
            IReadOnlyList<UnacknowledgedFrames> lost = stats.Unacknowledged;
            summary.Add("transport", sender.Transport)
                .Add("reconnects", stats.Reconnects)
                .Add("reconnect_ms_max", stats.ReconnectMsMax, "ms")
                .Add("unacknowledged_frames", options.Ack ? lost.Sum(range => range.Frames) : null)
                .Add("unacknowledged", lost.Select(range => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
                {
                    ["from_sequence"] = range.From,
                    ["to_sequence"] = range.To,
                    ["frames"] = range.Frames,
                }).ToArray());
            if (options.Ack)
            {
                summary.Add("acked", stats.Acknowledged)
                    .Add("ack_rtt_ms_p50", stats.AckRoundTripMs(50), "ms")
                    .Add("ack_rtt_ms_p99", stats.AckRoundTripMs(99), "ms");
            }
        }

        return summary.Add("error", _failure).Add("exit_code", exitCode);
    }
}
