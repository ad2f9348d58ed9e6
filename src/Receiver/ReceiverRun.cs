using System.Collections.Concurrent;
using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Cli;
using RawFrames.Programs.Receiving;
using RawFrames.Programs.Stats;
using RawFrames.Programs.Streams;
using RawFrames.Programs;

namespace RawFrames.Receiver;

/// <summary>
/// receiver session → sinks: a <see cref="FrameReceiver"/> listening (or subscribed to a relay with --from), each
/// sender's connection fed to the sinks on a task of its own (<see cref="ConnectionFeed"/>). A protocol error closes
/// only the connection it happened on. --frames, --once and a closed --stdout stop it with END; a signal shuts it down
/// (senders are told ShuttingDown and reconnect to whoever listens next).
/// </summary>
internal sealed class ReceiverRun(ReceiverOptions options)
{
    private readonly Log _log = new("recv");
    private readonly TransferTotals _totals = new();
    private readonly AllocationWindow _allocations = new();
    private readonly ConcurrentQueue<IReadOnlyDictionary<string, object?>> _finishedStreams = new();
    private ErrorTally? _errors;
    private FrameReceiver? _receiver;
    private FrameBudget? _budget;
    private ReceiverSinks? _sinks;
    private long _connections;
    private long _peerErrors;
    private string? _peerErrorMessage;
    private string? _failure;

    private ErrorTally Errors => _errors ??= new ErrorTally(_totals);

    /// <summary>Runs until stopped or done; prints the summary (and the JSON line) on every exit, with the error if there was one.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        int exitCode;
        try
        {
            await ReceiveAllAsync(cancellationToken);
            _failure ??= _sinks?.Save?.Failure is { } saveFailure ? $"--save stopped: {saveFailure}" : null;
            if (_sinks?.Recorder is { } recorder)
            {
                await recorder.DisposeAsync(); // everything queued is written (or counted as left out) before it is judged
                _failure ??= recorder.Dropped > 0
                    ? $"--record left {recorder.Dropped} frame(s) out of the recording ({recorder.Failure ?? "the disk did not keep up"}): {string.Join("; ", recorder.DroppedSequences)}"
                    : null;
            }

            _failure ??= Errors.Count > 0 ? $"{Errors.Count} connection(s) ended with an error; the first: {Errors.First}" : null;
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
        finally
        {
            if (_sinks is not null)
            {
                await _sinks.DisposeAsync();
            }
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
        _budget = new FrameBudget(options.Frames, Stop);
        _sinks = await ReceiverSinks.CreateAsync(options, _totals, _allocations, _log, Stop, cancellationToken);
        _receiver = await StartAsync(cancellationToken);
        if (_receiver is null)
        {
            return;
        }

        ConnectionFeed feed = NewFeed();
        await using (_receiver)
        using (cancellationToken.Register(() => _ = _receiver.StopAsync(shuttingDown: true)))
        using (var metrics = new TransferMetrics(_totals, "rawframes-recv"))
        await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "recv", Console.Error, () => $"  connections {_receiver.Connections}"))
        {
            metrics.AddGauge("rawframes.connections", () => _receiver.Connections, "{connection}", "Open sender connections");
            metrics.AddCounter("rawframes.corrupt_frames", () => _sinks.Decodes.Corrupt, "{frame}", "Payloads the decoder rejected");
            var serving = new List<Task>();
            await foreach (SenderConnection connection in _receiver.AcceptAllAsync(CancellationToken.None))
            {
                serving.Add(ServeAsync(feed, connection));
            }

            await Task.WhenAll(serving);
            await _receiver.StopAsync();
        }
    }

    private ConnectionFeed NewFeed() => new(new StreamIds(), _sinks!.Pipeline, _totals, _log, _budget, options.ClockSynced, given =>
        $"it is kept apart as stream {given}" + (options.SaveDirectory is null ? "" : $" (saved as stream{given}-*)")
        + (options.Http is null ? "" : $" (shown at /stream/{given})"));

    // Listening, or with --from subscribed to a relay; null when the subscription failed (an error of the run).
    private async Task<FrameReceiver?> StartAsync(CancellationToken cancellationToken)
    {
        var receiverOptions = new FrameReceiverOptions
        {
            MaxMessageLength = options.MaxMessageBytes,
            IdleTimeout = options.IdleTimeout,
            MaxConnections = options.MaxConnections,
            MaxConnectionsName = "--max-connections",
            Token = options.Token,
            Tls = options.Tls,
            Software = "rawframes-recv/1",
            LoggerFactory = _log.Factory,
        };
        if (options.From is NatsEndpoint nats)
        {
            // Each publisher is a sender connection of its own (PROTOCOL.md §19), its streams kept apart from the others'.
            FrameReceiver subscribed;
            try
            {
                subscribed = await FrameReceiver.SubscribeAsync(nats.Text, options.Subscription, receiverOptions, cancellationToken);
            }
            catch (Exception e) when (e is IOException or ProtocolException)
            {
                throw new RunFailedException(e.Message);
            }

            subscribed.Nats!.InvalidMessage = (subject, problem) => Errors.Record(nameof(ErrorCode.MalformedMessage), $"{subject}: {problem}");
            _log.Info($"subscribed to {nats.SubscriptionSubject} on {nats.Server} ({(options.Subscription?.Policy == DeliveryPolicy.Latest ? "latest" : "lossless")})");
            return subscribed;
        }

        if (options.From is SocketEndpoint relay)
        {
            try
            {
                return await FrameReceiver.SubscribeAsync(relay.Text, options.Subscription, receiverOptions, cancellationToken);
            }
            catch (Exception e) when (e is ProtocolException or ConnectFailedException or IOException)
            {
                Errors.Record(e is ProtocolException p ? p.Code.ToString() : "ConnectionLost", $"cannot subscribe to {relay}: {e.Message}");
                _log.Info($"cannot subscribe to {relay}: {e.Message}");
                return null;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        FrameReceiver receiver;
        try
        {
            receiver = await FrameReceiver.ListenAsync(options.Listen.Text, receiverOptions, cancellationToken);
        }
        catch (IOException e)
        {
            throw RunFailedException.Usage(e.Message);
        }

        receiver.ConnectionRefused += refused => Errors.Record(refused.Code?.ToString() ?? "ConnectionLost", $"refused {refused.Remote}: {refused.Reason}");
        _log.Info($"listening on {receiver.Endpoint}");
        if (options.Tls?.Certificate is { } certificate)
        {
            _log.Info($"TLS with {certificate.Subject}, SHA-256 {TlsOptions.Fingerprint(certificate)} (senders pin it with --tls-pin)");
        }

        if (options.Token is not null)
        {
            _log.Info("senders must present the shared token" + (options.Tls is null ? "; without TLS it crosses the network in clear text" : ""));
        }

        return receiver;
    }

    // One sender: its frames to the sinks until it ends, then its streams and how it ended into the summary.
    private async Task ServeAsync(ConnectionFeed feed, SenderConnection connection)
    {
        Interlocked.Increment(ref _connections);
        FeedResult result = await feed.RunAsync(connection, connection.Id);
        _allocations.Close(_totals.Frames);
        foreach (IReadOnlyDictionary<string, object?> stream in result.Streams)
        {
            _finishedStreams.Enqueue(stream);
        }

        ConnectionEnd end = result.End;
        switch (end.Kind)
        {
            case ConnectionEndKind.ProtocolError:
                Errors.Record(end.Code?.ToString() ?? nameof(ErrorCode.MalformedMessage), $"{connection.Remote}: {end.Reason}");
                break;
            case ConnectionEndKind.Lost:
                Errors.Record("ConnectionLost", $"{connection.Remote}: {end.Reason}");
                break;
            case ConnectionEndKind.PeerError when Interlocked.Increment(ref _peerErrors) == 1:
                _peerErrorMessage = $"{connection.Remote}: {end.Reason}";
                break;
        }

        if (options.Once)
        {
            Stop();
        }
    }

    // --frames reached, --once, or the reader of --stdout gone: no more frames; senders are told END.
    private void Stop()
    {
        _budget?.Close();
        _ = _receiver?.StopAsync();
    }

    private RunSummary BuildSummary()
    {
        RunSummary summary = _totals.AddTo(new RunSummary().Add("listen", options.From?.Display ?? _receiver?.Endpoint ?? options.Listen.Text))
            .Add("gaps", _totals.Gaps)
            .Add("verified", options.Verify)
            .Add("verify_failures", _totals.VerifyFailures);
        _sinks?.AddTo(summary);
        if (options.From is NatsEndpoint nats)
        {
            summary.Add("nats_subject", nats.SubscriptionSubject).Add("nats_dropped", _receiver?.Nats?.Dropped ?? 0);
        }

        return Errors.AddTo(summary)
            .Add("peer_errors", Interlocked.Read(ref _peerErrors))
            .Add("latency_ms_p50", _totals.Latency.PercentileMs(50), "ms")
            .Add("latency_ms_p99", _totals.Latency.PercentileMs(99), "ms")
            .Add("connections", Interlocked.Read(ref _connections))
            .Add("probes", _receiver?.Probes ?? 0)
            .Add("allocated_bytes_per_frame", _allocations.BytesPerFrame, "B")
            .Add("streams", _finishedStreams.ToArray())
            .Add("error_messages", Errors.Messages);
    }
}
