using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming;
using RawFrames.Streaming.Sources;
using RawFrames.Streaming.Stats;

namespace RawFrames.Sender;

/// <summary>source → connection: connects, streams frames until a limit, a signal or the receiver says stop, then ends cleanly.</summary>
internal sealed class SenderRun(SenderOptions options)
{
    private static readonly TimeSpan s_endConfirmationTimeout = TimeSpan.FromSeconds(5);

    private readonly Log _log = new("send");
    private readonly TransferTotals _totals = new();
    private readonly AllocationWindow _allocations = new();
    private string _stoppedBy = "signal";
    private string? _failure;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        FrameConnection connection;
        try
        {
            connection = await ConnectWithRetryAsync(cancellationToken);
        }
        catch (ProtocolException e)
        {
            _log.Info($"{options.To}: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            _log.Info($"could not connect to {options.To} within {options.ConnectTimeout.TotalSeconds:0.#} s: {e.Message}");
            return 1;
        }

        bool confirmed;
        await using (connection)
        {
            _log.Info($"connected to {connection.Remote} ({connection.PeerHello.Software ?? "unnamed receiver"}, accepts messages up to {connection.PeerHello.MaxMessageLength} bytes)");
            // A stop (Ctrl+C, or END from the receiver) is honoured between frames, never inside one: a frame cut in
            // half would corrupt the stream. Only a write that stays blocked past the grace period is aborted.
            using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var abortWrite = new CancellationTokenSource();
            using CancellationTokenRegistration abortLater = stopSending.Token.Register(() => abortWrite.CancelAfter(s_endConfirmationTimeout));
            Task<bool> peerEnded = Task.Run(() => ReadInboundAsync(connection, stopSending));
            bool streamIntact = true;
            await using (options.Quiet ? null : new LiveStatsPrinter(_totals, "send", Console.Error))
            {
                try
                {
                    await SendFramesAsync(connection, stopSending.Token, abortWrite.Token);
                    _allocations.Close(_totals.Frames);
                }
                catch (OperationCanceledException) when (abortWrite.IsCancellationRequested)
                {
                    _failure ??= $"a frame write was still blocked {s_endConfirmationTimeout.TotalSeconds:0} s after the stop; the connection was dropped";
                    streamIntact = false;
                }
                catch (OperationCanceledException) when (stopSending.IsCancellationRequested)
                {
                    // Stopped while waiting for the next frame's time: the stream is intact.
                }
                catch (Exception e) when (e is IOException or SocketException)
                {
                    _failure ??= $"connection lost while sending: {e.Message}";
                    _stoppedBy = "error";
                    streamIntact = false;
                }
            }

            if (streamIntact)
            {
                await connection.SendEndAsync();
            }

            // The receiver's END says it has read every frame sent before ours.
            confirmed = streamIntact && await Task.WhenAny(peerEnded, Task.Delay(s_endConfirmationTimeout, CancellationToken.None)) == peerEnded && await peerEnded;
        }

        if (_failure is not null)
        {
            _log.Info(_failure);
        }

        RunSummary summary = BuildSummary(confirmed);
        await Console.Error.WriteLineAsync(summary.ToTable("rawframes-send summary"));
        if (options.Json)
        {
            await Console.Out.WriteLineAsync(summary.ToJson());
        }

        return _failure is null ? 0 : 1;
    }

    private async Task<FrameConnection> ConnectWithRetryAsync(CancellationToken cancellationToken)
    {
        var connectionOptions = new ConnectionOptions { Role = PeerRole.Producer, Software = "rawframes-send/1" };
        long deadline = Stopwatch.GetTimestamp() + (long)(options.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                return await FrameConnection.ConnectAsync(options.To, connectionOptions, cancellationToken);
            }
            catch (SocketException e) when (IsNotListeningYet(e) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    // Refused (TCP) or no socket file yet (Unix): the receiver has not started; anything else is a real failure.
    private static bool IsNotListeningYet(SocketException e) =>
        e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.TryAgain;

    private async Task SendFramesAsync(FrameConnection connection, CancellationToken stop, CancellationToken abortWrite)
    {
        SourceSpec source = options.Source;
        SyntheticPattern pattern = SyntheticPattern.For(source.Width, source.Height, options.Stride);
        (ReadOnlyMemory<byte> metadata, FrameFlags flags) = EncodeMetadata(options.Metadata);
        using PeriodicTimer? pacer = source.Fps > 0 ? new PeriodicTimer(TimeSpan.FromSeconds(1 / source.Fps)) : null;
        long started = Stopwatch.GetTimestamp();
        long deadline = options.Duration is { } d ? started + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        for (ulong sequence = 0; ; sequence++)
        {
            if (options.Frames > 0 && (long)sequence >= options.Frames)
            {
                _stoppedBy = "frames";
                return;
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                _stoppedBy = "duration";
                return;
            }

            // Pacing keeps the average rate: a timer tick can come late (timer resolution is about 1 ms), so a frame
            // that is already due goes out without waiting for another tick.
            if (pacer is not null && sequence >= (ulong)(Stopwatch.GetElapsedTime(started).TotalSeconds * source.Fps))
            {
                await pacer.WaitForNextTickAsync(stop);
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            var header = new FrameHeader(Codec.Raw, PixelFormat.Bgr24, flags, options.StreamId, source.Width, source.Height,
                pattern.Stride, 0, sequence, UnixTime.NowNanoseconds());
            await connection.SendFrameAsync(header, metadata, pattern.Frame(sequence), abortWrite);
            _allocations.OnFrame(_totals.AddFrame(pattern.FrameBytes));
        }
    }

    // Runs beside the send loop: the receiver may ask to stop (END) or report an error while we send.
    private async Task<bool> ReadInboundAsync(FrameConnection connection, CancellationTokenSource stopSending)
    {
        try
        {
            while (true)
            {
                Message message = await connection.ReadAsync(CancellationToken.None);
                switch (message.Type)
                {
                    case MessageType.End:
                        if (!connection.EndSent)
                        {
                            _stoppedBy = "receiver";
                            _log.Info("the receiver asked to stop (END)");
                        }

                        await stopSending.CancelAsync();
                        return true;
                    case MessageType.Error:
                        ErrorMessage error = message.ReadError();
                        _failure = $"the receiver closed the connection: {error.Reason} (error {(uint)error.Code} {error.Code})";
                        _stoppedBy = "error";
                        await stopSending.CancelAsync();
                        return false;
                    case MessageType.None:
                        if (!connection.EndSent)
                        {
                            _failure ??= "the receiver closed the connection without END";
                            _stoppedBy = "error";
                        }

                        await stopSending.CancelAsync();
                        return connection.EndSent;
                    default:
                        continue; // ACK and RESULT: not requested by this program.
                }
            }
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!connection.EndSent)
            {
                _failure ??= $"connection lost: {e.Message}";
                _stoppedBy = "error";
                await stopSending.CancelAsync();
            }

            return false;
        }
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

    private RunSummary BuildSummary(bool confirmed)
    {
        RunSummary summary = new RunSummary()
            .Add("endpoint", options.To.Text)
            .Add("codec", "raw")
            .Add("width", options.Source.Width)
            .Add("height", options.Source.Height);
        return _totals.AddTo(summary)
            .Add("stopped_by", _stoppedBy)
            .Add("confirmed", confirmed)
            .Add("allocated_bytes_per_frame", _allocations.BytesPerFrame, "B");
    }
}
