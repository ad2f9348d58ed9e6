using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using RawFrames.Codecs;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming;
using RawFrames.Streaming.Cli;
using RawFrames.Streaming.Sinks;
using RawFrames.Streaming.Stats;
using RawFrames.Streaming.Streams;
using RawFrames.Viewer;

namespace RawFrames.Receiver;

/// <summary>
/// connection → sinks: accepts any number of senders, each connection one task, and feeds every frame to the stats,
/// the verifier and the saver. A protocol error closes only the connection it happened on.
/// </summary>
internal sealed class ReceiverRun(ReceiverOptions options) : IDisposable
{
    private const int MaxLoggedVerifyFailures = 10;
    private const int MaxReportedErrors = 20;
    private const int MaxLoggedErrors = 1000;
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_shutdownGrace = TimeSpan.FromMilliseconds(300);
    private const string ShuttingDownReason = "the receiver is shutting down";

    private readonly Log _log = new("recv");
    private readonly TransferTotals _totals = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _hardStop = new();
    private readonly ConcurrentDictionary<long, FrameConnection> _open = new();
    private readonly ConcurrentQueue<IReadOnlyDictionary<string, object?>> _finishedStreams = new();
    private readonly ConcurrentQueue<string> _errorMessages = new();
    private readonly ConcurrentDictionary<string, long> _errorsByKind = new();
    private readonly StreamIds _streamIds = new();
    private FrameSaver? _saver;
    private string? _failure;
    // File descriptor 1 as a plain FileStream, not Console's stream: that one silently drops writes to a closed pipe,
    // and a reader that goes away (ffplay closed) must end the run.
    private readonly FrameStreamWriter? _stdout = options.Stdout
        ? new FrameStreamWriter(new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0))
        : null;
    private long _acceptedFrames;
    private long _connections;
    private long _peerErrors;
    private long _probes;
    private string? _peerErrorMessage;
    private int _saveFailed;
    private long _decoded;
    private long _corruptFrames;
    private double _psnrMin = double.NaN;
    private readonly Lock _psnrLock = new();
    private int _stopping;
    private int _shuttingDown;
    private int _active;
    private readonly AllocationWindow _allocations = new();
    private HttpViewer? _viewer;

    /// <summary>Runs until stopped or done; prints the summary (and the JSON line) on every exit, with the error if there was one.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        int exitCode;
        try
        {
            await ReceiveAllAsync(cancellationToken);
            _failure ??= _saver?.Failure is { } saveFailure ? $"--save stopped: {saveFailure}" : null;
            _failure ??= _totals.Errors > 0 ? $"{_totals.Errors} connection(s) ended with an error; the first: {_errorMessages.FirstOrDefault()}" : null;
            _failure ??= _totals.VerifyFailures > 0 ? $"{_totals.VerifyFailures} frame(s) failed verification" : null;
            _failure ??= Interlocked.Read(ref _peerErrors) > 0 ? $"{Interlocked.Read(ref _peerErrors)} sender(s) ended with an ERROR; the first: {_peerErrorMessage}" : null;
            exitCode = _failure is null ? ExitCodes.Done : ExitCodes.Failed;
        }
        catch (RunFailedException e)
        {
            _failure = e.Message;
            _log.Info(e.Message);
            exitCode = e.ExitCode;
        }

        RunSummary summary = BuildSummary().Add("error", _failure).Add("exit_code", exitCode);
        await Console.Error.WriteLineAsync(summary.ToTable("rawframes-recv summary"));
        if (options.Json)
        {
            // With --stdout, stdout carries the frames: the JSON line goes to stderr after the table.
            await (options.Stdout ? Console.Error : Console.Out).WriteLineAsync(summary.ToJson());
        }

        return exitCode;
    }

    private async Task ReceiveAllAsync(CancellationToken cancellationToken)
    {
        if (options.SaveDirectory is { } folder)
        {
            _saver = FrameSaver.Create(folder, options.SaveEvery);
        }

        FrameListener? listener = null;
        try
        {
            if (options.From is null)
            {
                listener = await FrameListener.StartAsync(options.Listen, cancellationToken: cancellationToken);
            }
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw RunFailedException.Usage($"cannot listen on {options.Listen}: {e.Message}");
        }

        HttpViewer? viewer = null;
        if (options.Http is not null)
        {
            try
            {
                viewer = await HttpViewer.StartAsync(options.Http, cancellationToken);
                _viewer = viewer;
                _log.Info($"browser view on {viewer.Url} (streams at /stream/ID, snapshots at /snapshot/ID, state at /state)");
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                listener?.Dispose();
                throw RunFailedException.Usage($"--http {options.Http}: {e.Message}");
            }
        }

        await using (viewer)
        using (listener)
        using (cancellationToken.Register(ShutDown))
        using (var metrics = new TransferMetrics(_totals, "rawframes-recv"))
        {
            metrics.AddGauge("rawframes.connections", () => _open.Count, "{connection}", "Open sender connections");
            metrics.AddCounter("rawframes.corrupt_frames", () => Interlocked.Read(ref _corruptFrames), "{frame}", "Payloads the decoder rejected");
            if (listener is not null)
            {
                _log.Info($"listening on {listener.Endpoint}");
            }

            if (options.Tls?.Certificate is { } certificate)
            {
                _log.Info($"TLS with {certificate.Subject}, SHA-256 {TlsOptions.Fingerprint(certificate)} (senders pin it with --tls-pin)");
            }

            if (options.Token is not null)
            {
                _log.Info("senders must present the shared token" + (options.Tls is null ? "; without TLS it crosses the network in clear text" : ""));
            }
            await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "recv", Console.Error, () => $"  connections {_open.Count}"))
            {
                if (listener is not null)
                {
                    await listener.AcceptEachAsync(ServeWithinLimitAsync, _stopAccepting.Token);
                    await listener.ServingEnded;
                }
                else
                {
                    await SubscribeAsync(options.From!);
                }
            }
        }
    }

    // --max-connections counts every accepted socket, openings included, so idle or half-open peers cannot pile up.
    private async Task ServeWithinLimitAsync(Socket socket, long id)
    {
        try
        {
            if (Interlocked.Increment(ref _active) > options.MaxConnections)
            {
                RecordError(nameof(ErrorCode.ConnectionLimit), $"refused {DescribePeer(socket)}: {options.MaxConnections} connections already (--max-connections)");
                await FrameConnection.RefuseAsync(socket, ConnectionOptions(), ErrorCode.ConnectionLimit,
                    $"this receiver serves at most {options.MaxConnections} connections at once");
                return;
            }

            await HandleConnectionAsync(socket, id);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    // The receiver can always acknowledge, and read frames from shared memory on a Unix socket; it does either when a
    // sender asks (PROTOCOL.md §10.1, §15).
    private ConnectionOptions ConnectionOptions() => new()
        {
            Role = PeerRole.Consumer,
            MaxMessageLength = options.MaxMessageBytes,
            Software = "rawframes-recv/1",
            Capabilities = Capabilities.Ack | Capabilities.SharedMemory,
            IdleTimeout = options.IdleTimeout,
            Token = options.Token,
            Tls = options.Tls,
        };

    // --from: one connection to a relay, as its subscriber, served like a sender's.
    private async Task SubscribeAsync(FrameEndpoint relay)
    {
        FrameConnection connection;
        try
        {
            connection = await FrameConnection.ConnectAsync(relay, ConnectionOptions() with { Subscription = options.Subscription }, _hardStop.Token);
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException)
        {
            RecordError(e is ProtocolException p ? p.Code.ToString() : "ConnectionLost", $"cannot subscribe to {relay}: {e.Message}");
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await ServeAsync(connection, 0);
    }

    private async Task HandleConnectionAsync(Socket socket, long id)
    {
        ConnectionOptions connectionOptions = ConnectionOptions();
        string peer = DescribePeer(socket);
        FrameConnection connection;
        try
        {
            connection = await FrameConnection.AcceptAsync(socket, connectionOptions, _hardStop.Token);
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or OperationCanceledException)
        {
            if (e is ProtocolException { PeerSentNothing: true })
            {
                // A TCP health check (Kubernetes, a load balancer) or a port scan: counted, never an error.
                if (Interlocked.Increment(ref _probes) == 1)
                {
                    _log.Info($"{e.Message}; such connections are counted as probes, not errors");
                }
            }
            else if (e is ProtocolException refused)
            {
                RecordError(refused.Code.ToString(), $"refused {peer}: error {(uint)refused.Code} {refused.Code}: {refused.Message}");
            }
            else if (e is not OperationCanceledException)
            {
                RecordError("ConnectionLost", $"{peer}: connection lost during the opening: {e.Message}");
            }

            socket.Dispose();
            return;
        }

        await ServeAsync(connection, id);
    }

    // One open connection: frames to the sinks until it ends, then its streams into the summary.
    private async Task ServeAsync(FrameConnection connection, long id)
    {
        _open[id] = connection;
        Interlocked.Increment(ref _connections);
        _log.Info($"connected: {connection.Remote} ({connection.PeerHello.Software ?? "unnamed sender"}) over {connection.TransportName}");
        if (Volatile.Read(ref _stopping) != 0)
        {
            await connection.SendEndAsync();
        }

        if (Volatile.Read(ref _shuttingDown) != 0)
        {
            await connection.SendErrorAsync(ErrorCode.ShuttingDown, ShuttingDownReason);
        }

        var streams = new Dictionary<uint, SequenceTracker>();
        // PROTOCOL.md §16: streams of different producers are never merged, whatever ids they were sent with.
        using ConnectionStreams ids = _streamIds.ForConnection(id, (sent, given, heldBy) => _log.Info(
            $"stream {sent} from {connection.Remote} is also sent by another producer (connection {heldBy}); it is kept apart as stream {given}"
            + (_saver is null ? "" : $" (saved as stream{given}-*)") + (_viewer is null ? "" : $" (shown at /stream/{given})")));
        string reason;
        try
        {
            reason = await ReceiveAsync(connection, id, streams, ids);
            _allocations.Close(_totals.Frames);
        }
        catch (ProtocolException e)
        {
            reason = $"protocol error {(uint)e.Code} {e.Code}: {e.Message}";
            RecordError(e.Code.ToString(), $"{connection.Remote}: {reason}");
        }
        catch (OperationCanceledException) when (_hardStop.IsCancellationRequested)
        {
            reason = Volatile.Read(ref _shuttingDown) != 0 ? "the receiver is shutting down (told the sender: ShuttingDown)" : "the receiver stopped before the sender ended";
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // A sender killed mid-frame usually resets the connection rather than closing it: say what was cut.
            reason = $"connection lost: {e.Message}" + (connection.PartialMessage is { } cut ? $"; the frame in flight was cut: {cut}" : "");
            RecordError("ConnectionLost", $"{connection.Remote}: {reason}");
        }

        _open.TryRemove(id, out _);
        _viewer?.OnStreamsEnded(streams.Keys.Select(sent => ids[sent]));
        await connection.DisposeAsync();
        long frames = 0;
        foreach ((uint streamId, SequenceTracker tracker) in streams)
        {
            frames += tracker.Frames;
            _finishedStreams.Enqueue(new Dictionary<string, object?>
            {
                ["connection"] = id,
                ["remote"] = connection.Remote,
                ["stream_id"] = ids[streamId],
                ["sent_as"] = streamId,
                ["frames"] = tracker.Frames,
                ["first_sequence"] = tracker.First,
                ["last_sequence"] = tracker.Last,
                ["gaps"] = tracker.Gaps,
                ["backwards"] = tracker.Backwards,
                ["end"] = reason,
            });
        }

        _log.Info($"disconnected: {connection.Remote}: {reason} ({frames} frames)");
        if (options.Once)
        {
            RequestStop();
        }
    }

    private async Task<string> ReceiveAsync(FrameConnection connection, long id, Dictionary<uint, SequenceTracker> streams, ConnectionStreams ids)
    {
        bool measureLatency = connection.SharesClock || options.ClockSynced;
        DecodingPipeline? decoding = null;
        Task consuming = Task.CompletedTask;
        CancellationTokenRegistration abortDecoding = default;
        try
        {
            while (true)
            {
                Message message = await connection.ReadAsync(_hardStop.Token);
                switch (message.Type)
                {
                    case MessageType.Frame:
                        long accepted = Interlocked.Increment(ref _acceptedFrames);
                        // After a stop, frames still in flight are read and dropped until the sender's END.
                        if (Volatile.Read(ref _stopping) != 0 || (options.Frames > 0 && accepted > options.Frames))
                        {
                            continue;
                        }

                        // A frame that is decoded is measured when its pixels are ready, not when its bytes arrive.
                        bool decode = message.Frame.Codec != Codec.Raw && (options.Decode is not null || options.Verify);
                        FrameHeader shown = message.Frame with { StreamId = ids[message.Frame.StreamId] };
                        OnFrame(message, shown, id, streams, measureLatency && !decode, writeOut: !decode || options.Decode is null);
                        _viewer?.OnFrame(connection.Remote, shown, message.Payload);
                        if (decode)
                        {
                            if (decoding is null)
                            {
                                decoding = new DecodingPipeline(options.Decode ?? DecodeTarget.Bgr, options.DecoderThreads, options.FastDecode, options.Verify);
                                consuming = ConsumeDecodedAsync(decoding, id);
                                abortDecoding = _hardStop.Token.Register(decoding.Workers.Abort);
                            }

                            // The payload is valid only until the next read: the job keeps its own copy.
                            DecodeJob job = await decoding.Workers.RentAsync();
                            job.Header = message.Frame;
                            job.MeasureLatency = measureLatency;
                            job.CopyPayload(message.Payload);
                            await decoding.Workers.SubmitAsync(job);
                        }

                        if (accepted == options.Frames)
                        {
                            RequestStop();
                        }

                        break;
                    case MessageType.End:
                        await connection.SendEndAsync();
                        return "end of stream";
                    case MessageType.Error:
                        ErrorMessage error = message.ReadError();
                        string closed = $"the sender closed with error {(uint)error.Code} {error.Code}: {error.Reason}";
                        if (Interlocked.Increment(ref _peerErrors) == 1)
                        {
                            _peerErrorMessage = $"{connection.Remote}: {closed}";
                        }

                        return closed;
                    default:
                        return connection.EndSent ? "closed after END"
                            : Volatile.Read(ref _shuttingDown) != 0 ? "the receiver is shutting down (told the sender: ShuttingDown)"
                            : "closed without END";
                }
            }
        }
        finally
        {
            if (decoding is not null)
            {
                await abortDecoding.DisposeAsync();
                decoding.Workers.Complete();
                await consuming;
                await decoding.DisposeAsync();
            }
        }
    }

    // Decoded frames arrive here in sequence order.
    private async Task ConsumeDecodedAsync(DecodingPipeline decoding, long connectionId)
    {
        while (true)
        {
            DecodeJob job;
            try
            {
                job = await decoding.Workers.ReceiveAsync();
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
                return; // all frames delivered, or a hard stop aborted the pipeline
            }

            Interlocked.Increment(ref _decoded);
            FrameHeader header = job.Header;
            if (job.MeasureLatency)
            {
                _totals.Latency.RecordNanoseconds(UnixTime.NowNanoseconds() - header.TimestampNs);
            }

            if (job.Error is not null)
            {
                // PROTOCOL.md §6.1: a payload the decoder rejects is a bad frame, not a protocol error; the stream goes on.
                long corrupt = Interlocked.Increment(ref _corruptFrames);
                if (options.Verify)
                {
                    _totals.AddVerifyFailure();
                }

                if (corrupt <= MaxLoggedVerifyFailures)
                {
                    _log.Info($"stream {header.StreamId} frame {header.Sequence}: cannot decode {CodecNames.Name(header.Codec)} payload: {job.Error}");
                }
            }
            else
            {
                if (options.Verify)
                {
                    RecordPsnr(header, job.Psnr);
                }

                if (_stdout is not null && options.Decode is { } target)
                {
                    Offer(_stdout.TryWriteDecoded(connectionId, header, target, job.Output.AsSpan(0, job.OutputLength)));
                }
            }

            decoding.Workers.Return(job);
        }
    }

    // Lossless codecs must give back the exact pixels; lossy ones at least --min-psnr.
    private void RecordPsnr(FrameHeader header, double psnr)
    {
        bool lossless = header.Codec is Codec.Png or Codec.Bmp;
        lock (_psnrLock)
        {
            if (!double.IsPositiveInfinity(psnr) && (double.IsNaN(_psnrMin) || psnr < _psnrMin))
            {
                _psnrMin = psnr;
            }
        }

        if (lossless ? !double.IsPositiveInfinity(psnr) : !(psnr >= options.MinPsnrDb))
        {
            _totals.AddVerifyFailure();
            if (_totals.VerifyFailures <= MaxLoggedVerifyFailures)
            {
                _log.Info($"verify failed: stream {header.StreamId} frame {header.Sequence}: PSNR {psnr:0.00} dB " +
                    (lossless ? $"but {CodecNames.Name(header.Codec)} is lossless" : $"below --min-psnr {options.MinPsnrDb} dB"));
            }
        }
    }

    // shown: the frame's header with the stream id it is known by here (StreamIds), for everything the user sees.
    private void OnFrame(in Message message, FrameHeader shown, long connectionId, Dictionary<uint, SequenceTracker> streams, bool measureLatency, bool writeOut)
    {
        FrameHeader header = message.Frame;
        _allocations.OnFrame(_totals.AddFrame(message.Payload.Length));
        if (measureLatency)
        {
            _totals.Latency.RecordNanoseconds(UnixTime.NowNanoseconds() - header.TimestampNs);
        }

        if (!streams.TryGetValue(header.StreamId, out SequenceTracker? tracker))
        {
            streams[header.StreamId] = tracker = new SequenceTracker();
        }

        long skipped = tracker.Observe(header.Sequence);
        if (skipped > 0)
        {
            _totals.AddGaps(skipped);
        }

        if (options.Verify && header.Codec == Codec.Raw && SyntheticFrameVerifier.Check(message) is { } failure)
        {
            _totals.AddVerifyFailure();
            if (_totals.VerifyFailures <= MaxLoggedVerifyFailures)
            {
                _log.Info($"verify failed: {failure}");
            }
        }

        if (_saver is { } saver && saver.Offer(shown, message.Payload) is null && saver.Failure is { } saveFailure && Interlocked.Exchange(ref _saveFailed, 1) == 0)
        {
            _log.Info($"--save stopped: {saveFailure}; receiving goes on");
        }
        if (_stdout is not null && writeOut)
        {
            Offer(_stdout.TryWrite(connectionId, message));
        }
    }

    // --stdout: a reader that went away ends the run, as for any program writing into a closed pipe.
    private void Offer(bool written)
    {
        if (written && _stdout!.Written == 1)
        {
            _log.Info($"--stdout: writing {_stdout.Describe()}; ffmpeg reads it with: {_stdout.FfmpegInput()}");
        }

        if (!written && _stdout!.Closed is { } closed && Volatile.Read(ref _stopping) == 0)
        {
            _log.Info($"--stdout: {closed}; stopping");
            RequestStop();
        }
    }

    // A signal: this receiver is going away, not done with the stream. Senders are told ShuttingDown (PROTOCOL.md §9),
    // which a reconnecting sender takes as "come back later", unlike END ("stop sending").
    private void ShutDown()
    {
        if (Interlocked.Exchange(ref _shuttingDown, 1) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _stopping, 1);
        _stopAccepting.Cancel();
        foreach (FrameConnection connection in _open.Values)
        {
            _ = connection.SendErrorAsync(ErrorCode.ShuttingDown, ShuttingDownReason);
        }

        _hardStop.CancelAfter(s_shutdownGrace);
    }

    private void RequestStop()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        _stopAccepting.Cancel();
        foreach (FrameConnection connection in _open.Values)
        {
            _ = connection.SendEndAsync();
        }

        _hardStop.CancelAfter(s_drainTimeout);
    }

    public void Dispose()
    {
        _stdout?.Dispose();
        _stopAccepting.Dispose();
        _hardStop.Dispose();
    }

    private static string DescribePeer(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint?.ToString() ?? "a Unix socket peer";
        }
        catch (ObjectDisposedException)
        {
            return "a peer";
        }
    }

    // Every error is counted by kind; the log takes the first thousand and then one line per thousand, so that a
    // flood of bad input cannot turn into a flood of log lines.
    private void RecordError(string kind, string message)
    {
        long count = _totals.AddError();
        _errorsByKind.AddOrUpdate(kind, 1, static (_, n) => n + 1);
        if (count <= MaxLoggedErrors)
        {
            _log.Info(message);
        }
        else if (count % MaxLoggedErrors == 0)
        {
            _log.Info($"{count} errors so far (by kind: {string.Join(", ", _errorsByKind.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key} {pair.Value}"))}); latest: {message}");
        }

        if (_errorMessages.Count < MaxReportedErrors)
        {
            _errorMessages.Enqueue(message);
        }
    }

    private RunSummary BuildSummary()
    {
        return _totals.AddTo(new RunSummary().Add("listen", options.Listen.Text))
            .Add("gaps", _totals.Gaps)
            .Add("verified", options.Verify)
            .Add("verify_failures", _totals.VerifyFailures)
            .Add("decoded", Interlocked.Read(ref _decoded))
            .Add("corrupt_frames", Interlocked.Read(ref _corruptFrames))
            .Add("psnr_min_db", _psnrMin, "dB")
            .Add("errors", _totals.Errors)
            .Add("errors_by_kind", new SortedDictionary<string, long>(_errorsByKind))
            .Add("peer_errors", Interlocked.Read(ref _peerErrors))
            .Add("latency_ms_p50", _totals.Latency.PercentileMs(50), "ms")
            .Add("latency_ms_p99", _totals.Latency.PercentileMs(99), "ms")
            .Add("connections", Interlocked.Read(ref _connections))
            .Add("probes", Interlocked.Read(ref _probes))
            .Add("saved", _saver?.Saved ?? 0)
            .Add("stdout_frames", _stdout?.Written ?? 0)
            .Add("stdout_skipped", _stdout?.Skipped ?? 0)
            .Add("allocated_bytes_per_frame", _allocations.BytesPerFrame, "B")
            .Add("streams", _finishedStreams.ToArray())
            .Add("error_messages", _errorMessages.ToArray());
    }
}
