using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RawFrames.Codecs;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming;
using RawFrames.Streaming.Cli;
using RawFrames.Streaming.Sources;
using RawFrames.Streaming.Stats;

namespace RawFrames.Sender;

/// <summary>source → connection: connects, streams frames until a limit, a signal or the receiver says stop, then ends cleanly.</summary>
internal sealed class SenderRun(SenderOptions options)
{
    private static readonly TimeSpan s_endConfirmationTimeout = TimeSpan.FromSeconds(5);

    private readonly Log _log = new("send");
    private readonly TransferTotals _totals = new();
    private AckTracker? _acks;
    private readonly AllocationWindow _allocations = new();
    private string _stoppedBy = "signal";
    private string? _failure;
    private IFrameSource? _source;
    private Func<long> _dropped = static () => 0; // the schedule's count, readable after the run
    private ReconnectingLink? _link;
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
            _stoppedBy = "error";
            exitCode = e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _log.Info(_link is null ? "stopped before a connection was made" : "stopped");
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
        int framesInFlight = options.Codec == Codec.Raw ? 1 : EncodingPipeline.FramesInFlight(options.EncoderThreads);
        PixelFormat wanted = options.Codec == Codec.YuvJpeg ? PixelFormat.J420 : PixelFormat.Bgr24;
        try
        {
            _source = await options.Source.OpenAsync(options.Stride, framesInFlight, wanted, _log.Info, cancellationToken);
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

        ReconnectingLink link;
        _acks = options.Ack ? new AckTracker() : null;
        try
        {
            // Raw frames are the source's own size; a compressed frame is almost always smaller than packed BGR.
            long largest = options.Codec == Codec.Raw
                ? PixelLayout.RawPayloadSize(source.PixelFormat, source.Width, source.Height, source.Stride)
                : 3L * source.Width * source.Height;
            link = await ReconnectingLink.ConnectAsync(options, (int)Math.Min(largest, int.MaxValue), _log, _acks, cancellationToken);
        }
        catch (ProtocolException e)
        {
            throw new RunFailedException($"{options.To}: {e.Message}");
        }
        catch (IOException e)
        {
            string within = options.ConnectTimeout > TimeSpan.Zero ? $"; gave up after {options.ConnectTimeout.TotalSeconds:0.#} s (--connect-timeout)" : "";
            throw new RunFailedException(e.Message + within);
        }

        bool confirmed;
        await using (link)
        using (var metrics = new TransferMetrics(_totals, "rawframes-send"))
        {
            _link = link;
            if (_acks is { } acks)
            {
                metrics.AddCounter("rawframes.acked", () => acks.Acknowledged, "{frame}", "Frames the receiver acknowledged");
                metrics.AddPercentiles("rawframes.ack_rtt", acks.RoundTrip, "Send to acknowledgement, on the sender's clock");
            }

            metrics.AddCounter("rawframes.reconnects", () => link.Reconnects, "{connection}", "Connections made again after one was lost");

            // A stop (Ctrl+C, or END from the receiver) is honoured between frames, never inside one: a frame cut in
            // half would corrupt the stream. Only a write that stays blocked past the grace period is aborted.
            using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, link.ReceiverStopped);
            using var abortWrite = new CancellationTokenSource();
            using CancellationTokenRegistration abortLater = stopSending.Token.Register(() => abortWrite.CancelAfter(s_endConfirmationTimeout));
            bool streamIntact = true;
            metrics.AddCounter("rawframes.dropped", () => _dropped(), "{frame}", "Frames the latest policy dropped");
            await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "send", Console.Error, () => $"  dropped {_dropped()}  reconnects {link.Reconnects}"))
            {
                try
                {
                    await SendFramesAsync(link, stopSending.Token, abortWrite.Token);
                    _allocations.Close(_totals.Frames);
                }
                catch (OperationCanceledException) when (abortWrite.IsCancellationRequested)
                {
                    _failure ??= $"a frame write was still blocked {s_endConfirmationTimeout.TotalSeconds:0} s after the stop; the connection was dropped";
                    streamIntact = false;
                }
                catch (OperationCanceledException) when (stopSending.IsCancellationRequested)
                {
                    // Stopped while waiting for the next frame's time or for a new connection.
                }
                catch (IOException e)
                {
                    _failure ??= e.Message;
                    _stoppedBy = "error";
                    streamIntact = false;
                }
            }

            // The receiver's END says it has read every frame sent before ours.
            confirmed = streamIntact && await link.EndAsync(s_endConfirmationTimeout);
            _confirmed = confirmed;
            if (link.StoppedBy is { } by)
            {
                _stoppedBy = by;
                _failure ??= link.Failure;
            }
        }

        return _failure is null ? ExitCodes.Done : ExitCodes.Failed;
    }

    private async Task SendFramesAsync(ReconnectingLink link, CancellationToken stop, CancellationToken abortWrite)
    {
        IFrameSource source = _source!;
        (ReadOnlyMemory<byte> metadata, FrameFlags flags) = EncodeMetadata(options.Metadata);
        // --fps wins; then a rate in the source's spec; then the source's own (a video file's); else as fast as possible.
        double fps = options.Fps ?? (options.Source.Fps > 0 ? options.Source.Fps : source.NativeFps);
        using var schedule = new FrameSchedule(options.Frames, options.Duration, fps, options.Latest);
        _dropped = () => schedule.Dropped;
        try
        {
            if (options.Codec == Codec.Raw)
            {
                for (ulong sequence = 0; await schedule.WaitForFrameAsync(sequence, stop); sequence++)
                {
                    sequence = schedule.TakeLatest(sequence);
                    if (await ReadSourceAsync(source, sequence, stop) is not { } frame)
                    {
                        break;
                    }

                    var header = new FrameHeader(Codec.Raw, source.PixelFormat, flags, options.StreamId, source.Width, source.Height,
                        source.Stride, 0, sequence, schedule.CaptureTimestampNs(sequence));
                    await link.SendFrameAsync(header, metadata, frame, stop, abortWrite);
                    _allocations.OnFrame(_totals.AddFrame(frame.Length));
                }
            }
            else
            {
                await SendEncodedFramesAsync(link, source, schedule, metadata, flags, stop, abortWrite);
            }
        }
        finally
        {
            if (schedule.StoppedBy != "signal" && !_stoppedBy.StartsWith("source", StringComparison.Ordinal))
            {
                _stoppedBy = schedule.StoppedBy;
            }
        }
    }

    // source → encoders (in parallel, in order) → connection. The capture timestamp is taken before encoding, so the
    // receiver's latency includes the encode.
    private async Task SendEncodedFramesAsync(ReconnectingLink link, IFrameSource source, FrameSchedule schedule,
        ReadOnlyMemory<byte> metadata, FrameFlags flags, CancellationToken stop, CancellationToken abortWrite)
    {
        await using var pipeline = new EncodingPipeline(options.Codec, options.Encoder, options.EncoderThreads, source.Width, source.Height);
        Task producing = Task.Run(async () =>
        {
            try
            {
                // Waits for a free job are not cancellable (that would allocate per frame); they end as soon as the
                // next encoded frame is sent, and the stop is checked right after.
                for (ulong sequence = 0; await schedule.WaitForFrameAsync(sequence, stop); sequence++)
                {
                    EncodeJob job = await pipeline.Workers.RentAsync();
                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }

                    // After the wait for a free encoder, so that time spent waiting turns into drops under latest.
                    sequence = schedule.TakeLatest(sequence);

                    if (await ReadSourceAsync(source, sequence, stop) is not { } frame)
                    {
                        pipeline.Workers.Return(job);
                        break;
                    }

                    (job.Source, job.PixelFormat, job.Width, job.Height, job.Stride) = (frame, source.PixelFormat, source.Width, source.Height, source.Stride);
                    (job.Sequence, job.TimestampNs) = (sequence, schedule.CaptureTimestampNs(sequence));
                    await pipeline.Workers.SubmitAsync(job);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped: the frames already submitted are still sent.
            }
            finally
            {
                pipeline.Workers.Complete();
            }
        }, CancellationToken.None);

        while (true)
        {
            EncodeJob job;
            try
            {
                job = await pipeline.Workers.ReceiveAsync();
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                break;
            }

            var header = new FrameHeader(options.Codec, pipeline.PayloadPixelFormat, flags, options.StreamId, source.Width, source.Height,
                0, 0, job.Sequence, job.TimestampNs);
            await link.SendFrameAsync(header, metadata, job.Output.AsMemory(0, job.Length), stop, abortWrite);
            _allocations.OnFrame(_totals.AddFrame(job.Length));
            pipeline.Workers.Return(job);
        }

        await producing;
    }

    // The end of a file or a pipe ends the run like --frames does; a source that fails ends it with the reason, and
    // the frames already sent still get a clean END.
    private async ValueTask<ReadOnlyMemory<byte>?> ReadSourceAsync(IFrameSource source, ulong sequence, CancellationToken stop)
    {
        try
        {
            if (await source.ReadAsync(sequence, stop) is { } frame)
            {
                return frame;
            }

            _stoppedBy = "source";
            _log.Info($"the source has no more frames ({_totals.Frames} sent)");
        }
        catch (Exception e) when (e is IOException or FormatException or CorruptFrameException)
        {
            _failure ??= $"source: {e.Message}";
            _stoppedBy = "source error";
        }

        return null;
    }

    private static (ReadOnlyMemory<byte>, FrameFlags) EncodeMetadata(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return (ReadOnlyMemory<byte>.Empty, FrameFlags.None);
        }

        byte[] bytes = Encoding.UTF8.GetBytes(text);
        try
        {
            using var _ = JsonDocument.Parse(bytes);
            return (bytes, FrameFlags.MetadataIsJson);
        }
        catch (JsonException)
        {
            return (bytes, FrameFlags.None);
        }
    }

    private RunSummary BuildSummary(int exitCode)
    {
        RunSummary summary = new RunSummary()
            .Add("endpoint", options.To.Text)
            .Add("codec", CodecNames.Name(options.Codec))
            .Add("source", options.Source.Kind)
            .Add("width", _source?.Width ?? options.Source.Width)
            .Add("height", _source?.Height ?? options.Source.Height);
        _totals.AddTo(summary)
            .Add("stopped_by", _stoppedBy)
            .Add("policy", options.Latest ? "latest" : "lossless")
            .Add("dropped", _dropped())
            .Add("confirmed", _confirmed)
            .Add("allocated_bytes_per_frame", _allocations.BytesPerFrame, "B");
        _link?.AddTo(summary);
        _acks?.AddTo(summary);
        return summary.Add("error", _failure).Add("exit_code", exitCode);
    }
}
