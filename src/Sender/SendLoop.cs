using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sources;
using RawFrames.Programs.Stats;

namespace RawFrames.Sender;

/// <summary>
/// The frames of one run: source (paced by the schedule, which under --policy latest skips what it could not send in
/// time) → encoders when the codec compresses (in parallel, in order) → the sender. A stop (Ctrl+C, or END from the
/// receiver) is honoured between frames, never inside one.
/// </summary>
internal sealed class SendLoop(SenderOptions options, IFrameSource source, FrameSender sender, TransferTotals totals, AllocationWindow allocations)
{
    private FrameSchedule? _schedule;
    private StopCause _stoppedBy = StopCause.Signal;
    private string? _failure;

    /// <summary>Frames the schedule skipped under --policy latest.</summary>
    public long Dropped => _schedule?.Dropped ?? 0;

    /// <summary>Sends until a limit, the end of the source, a stop or a failure; returns what stopped it and the failure, if any.</summary>
    public async Task<(StopCause StoppedBy, string? Failure)> RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, sender.StoppedToken);
        (ReadOnlyMemory<byte> metadata, bool metadataIsJson) = EncodeMetadata(options.Metadata);
        // --fps wins; then a rate in the source's spec; then the source's own (a video file's); else as fast as possible.
        double fps = options.Fps ?? (options.Source.Fps > 0 ? options.Source.Fps : source.NativeFps);
        using var schedule = new FrameSchedule(options.Frames, options.Duration, fps, options.Latest);
        _schedule = schedule;
        try
        {
            if (options.Codec == Codec.Raw)
            {
                await SendRawAsync(schedule, metadata, metadataIsJson, stop.Token);
            }
            else
            {
                await SendEncodedAsync(schedule, metadata, metadataIsJson, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped while waiting for the next frame's time or for a new connection.
        }
        catch (FrameTooLargeException e) when (sender.NatsPublisher is not null)
        {
            // The NATS server's max_payload, named in the message: no consumer to tell (PROTOCOL.md §19).
            await sender.AbortAsync(ErrorCode.MessageTooLarge, e.Message);
            (_stoppedBy, _failure) = (StopCause.Error, e.Message);
        }
        catch (FrameTooLargeException e)
        {
            // Every frame of the stream has this size: another connection would refuse it too.
            string fix = $"--max-message-bytes {e.MessageLength} or more";
            await sender.AbortAsync(ErrorCode.MessageTooLarge,
                $"frame {e.Sequence} would be a message of {e.MessageLength:N0} bytes, over your maximum of {e.PeerMaximum:N0}: start the receiver with {fix} to take this stream");
            (_stoppedBy, _failure) = (StopCause.Error, $"{e.Message}: start the receiver with {fix}, or send smaller frames (e.g. --codec jpeg)");
        }
        catch (IOException e)
        {
            (_stoppedBy, _failure) = (StopCause.Error, e.Message);
        }

        if (sender.End is { } end && _stoppedBy == StopCause.Signal && !cancellationToken.IsCancellationRequested)
        {
            // The receiver's END stops a run; its ERROR, a protocol fault or a lost link fails it.
            (_stoppedBy, _failure) = end.IsClean ? (StopCause.Receiver, _failure) : (StopCause.Error, _failure ?? end.Reason);
        }
        else if (schedule.StoppedBy != StopCause.Signal && _stoppedBy is not (StopCause.Source or StopCause.SourceError or StopCause.Error))
        {
            _stoppedBy = schedule.StoppedBy;
        }

        return (_stoppedBy, _failure);
    }

    private async Task SendRawAsync(FrameSchedule schedule, ReadOnlyMemory<byte> metadata, bool metadataIsJson, CancellationToken stop)
    {
        for (ulong sequence = 0; await schedule.WaitForFrameAsync(sequence, stop); sequence++)
        {
            sequence = schedule.TakeLatest(sequence);
            if (await ReadSourceAsync(sequence, stop) is not { } frame)
            {
                return;
            }

            var info = new FrameInfo(Codec.Raw, source.PixelFormat, source.Width, source.Height, source.Stride, options.StreamId, sequence,
                schedule.CaptureTimestampNs(sequence), metadataIsJson);
            if (!await SendAsync(info, metadata, frame, stop))
            {
                return;
            }
        }
    }

    // source → encoders (in parallel, in order) → sender. The capture timestamp is taken before encoding, so the
    // receiver's latency includes the encode.
    private async Task SendEncodedAsync(FrameSchedule schedule, ReadOnlyMemory<byte> metadata, bool metadataIsJson, CancellationToken stop)
    {
        await using var pipeline = new EncodingPipeline(options.Codec, options.Encoder, options.EncoderThreads, source.Width, source.Height);
        Task producing = Task.Run(() => EncodeAsync(pipeline, schedule, stop), CancellationToken.None);
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

            var info = FrameInfo.Encoded(options.Codec, pipeline.PayloadPixelFormat, source.Width, source.Height, options.StreamId, job.Sequence,
                job.TimestampNs, metadataIsJson);
            bool goesOn = await SendAsync(info, metadata, job.Output.AsMemory(0, job.Length), stop);
            pipeline.Workers.Return(job);
            if (!goesOn)
            {
                break;
            }
        }

        await producing;
    }

    private async Task EncodeAsync(EncodingPipeline pipeline, FrameSchedule schedule, CancellationToken stop)
    {
        try
        {
            // Waits for a free job are not cancellable (that would allocate per frame); they end as soon as the next
            // encoded frame is sent, and the stop is checked right after.
            for (ulong sequence = 0; await schedule.WaitForFrameAsync(sequence, stop); sequence++)
            {
                EncodeJob job = await pipeline.Workers.RentAsync();
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                // After the wait for a free encoder, so that time spent waiting turns into drops under latest.
                sequence = schedule.TakeLatest(sequence);
                if (await ReadSourceAsync(sequence, stop) is not { } frame)
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
    }

    // False once the stream has stopped (the receiver's END, a refusal).
    private async ValueTask<bool> SendAsync(FrameInfo info, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken stop)
    {
        if (!await sender.SendFrameAsync(info, payload, metadata, stop))
        {
            return !sender.Stopped; // dropped under latest while reconnecting: the run goes on
        }

        allocations.OnFrame(totals.AddFrame(payload.Length));
        return true;
    }

    // The end of a file or a pipe ends the run like --frames does; a source that fails ends it with the reason, and
    // the frames already sent still get a clean END.
    private async ValueTask<ReadOnlyMemory<byte>?> ReadSourceAsync(ulong sequence, CancellationToken stop)
    {
        try
        {
            if (await source.ReadAsync(sequence, stop) is { } frame)
            {
                return frame;
            }

            _stoppedBy = StopCause.Source;
        }
        catch (Exception e) when (e is IOException or FormatException or CorruptFrameException)
        {
            _failure ??= $"source: {e.Message}";
            _stoppedBy = StopCause.SourceError;
        }

        return null;
    }

    private static (ReadOnlyMemory<byte>, bool IsJson) EncodeMetadata(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return (ReadOnlyMemory<byte>.Empty, false);
        }

        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return (bytes, FrameMetadata.IsJson(bytes));
    }
}
