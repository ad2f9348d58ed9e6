using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using RawFrames.Codecs;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Transport.SharedMemory;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming.Stats;

namespace RawFrames.Client;

/// <summary>
/// Sends frames to a RawFrames receiver: BGR pixels from memory (raw or encoded as the options say) or JPEG that is
/// already encoded, and with <see cref="RequestAsync"/> waits for the receiver's RESULT for a frame (request/reply
/// inference). Buffers: the caller's memory is read during the call and may be reused as soon as the returned task
/// ends; nothing is kept. Safe for concurrent callers: frames go out one at a time, each with the next sequence number,
/// and several requests may wait for their results at once.
/// </summary>
public sealed class FrameSender : IAsyncDisposable
{
    private static readonly TimeSpan s_endWait = TimeSpan.FromSeconds(5);

    private readonly FrameConnection _connection;
    private readonly FrameSenderOptions _options;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<FrameResult>> _requests = new();
    private readonly CancellationTokenSource _stopped = new();
    private readonly AckTracker? _acks;
    private readonly Task<bool> _inbound;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private IFrameEncoder? _encoder;
    private byte[] _encoded = [];
    private ulong _next;

    private FrameSender(FrameConnection connection, FrameSenderOptions options)
    {
        _connection = connection;
        _options = options;
        _acks = connection.Negotiated.HasFlag(Capabilities.Ack) ? new AckTracker() : null;
        _inbound = Task.Run(ReadInboundAsync);
    }

    /// <summary>True once the receiver asked for no more frames (END), refused to go on (ERROR), or closed.</summary>
    public bool Stopped => _stopped.IsCancellationRequested;

    /// <summary>Why the receiver ended the stream, once <see cref="Stopped"/>.</summary>
    public string? StopReason { get; private set; }

    /// <summary>The sequence number of the last frame sent (the first is 0).</summary>
    public ulong LastSequence => _next - 1;

    /// <summary>The receiver's address, for logs.</summary>
    public string Remote => _connection.Remote;

    /// <summary>
    /// Connects to <paramref name="endpoint"/> (<c>tcp://HOST:PORT</c>, <c>unix:///path</c>, or <c>shm:///path</c> for
    /// frames through shared memory, PROTOCOL.md §15), retrying while nobody
    /// listens yet, for up to <see cref="FrameSenderOptions.ConnectTimeout"/>.
    /// </summary>
    public static async Task<FrameSender> ConnectAsync(string endpoint, FrameSenderOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FrameSenderOptions();
        var connectionOptions = new ConnectionOptions
        {
            Role = PeerRole.Producer,
            Software = options.Software,
            Capabilities = Capabilities.Result | (options.Ack ? Capabilities.Ack : Capabilities.None),
            IdleTimeout = options.PeerTimeout,
            Token = options.Token,
            Tls = options.Tls,
        };
        FrameEndpoint target = FrameEndpoint.Parse(endpoint);
        long started = Stopwatch.GetTimestamp();
        for (var backoff = default(Backoff); ;)
        {
            try
            {
                return new FrameSender(await FrameConnection.ConnectAsync(target, connectionOptions, cancellationToken), options);
            }
            catch (ConnectFailedException e) when (e.IsWorthRetrying && Stopwatch.GetElapsedTime(started) + backoff.Current < options.ConnectTimeout)
            {
                await Task.Delay(backoff.Next(), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="height"/> rows of BGR24 pixels, <paramref name="stride"/> bytes apart (0: packed), raw or
    /// encoded with the options' codec. Returns false, sending nothing, once the receiver asked for no more frames.
    /// </summary>
    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> bgr, int width, int height, int stride = 0, ReadOnlyMemory<byte> metadata = default,
        CancellationToken cancellationToken = default) =>
        SendBgrAsync(bgr, width, height, stride, metadata, null, cancellationToken);

    /// <summary>
    /// Zero-copy sending on <c>shm://</c> connections: shared memory for one raw BGR24 frame of this geometry, to
    /// capture, decode or draw into, then send with <see cref="SendAsync(FrameLoan, int, int, int, ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// Null when the connection does not use shared memory (or the codec is not raw): send a buffer with
    /// <see cref="SendAsync(ReadOnlyMemory{byte}, int, int, int, ReadOnlyMemory{byte}, CancellationToken)"/> instead.
    /// Dispose the loan if you do not send it.
    /// </summary>
    public ValueTask<FrameLoan?> LoanAsync(int width, int height, int stride = 0, CancellationToken cancellationToken = default) =>
        _options.Codec == Codec.Raw
            ? _connection.LoanAsync(checked((stride == 0 ? width * 3 : stride) * height), cancellationToken)
            : ValueTask.FromResult<FrameLoan?>(null);

    /// <summary>
    /// Sends the frame written into <paramref name="loan"/>, timestamped now (the capture is complete), with the next
    /// sequence number. Returns false, giving the loan back, once the receiver asked for no more frames.
    /// </summary>
    public async ValueTask<bool> SendAsync(FrameLoan loan, int width, int height, int stride = 0, ReadOnlyMemory<byte> metadata = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loan);
        stride = stride == 0 ? width * 3 : stride;
        await _sending.WaitAsync(cancellationToken);
        try
        {
            if (Stopped)
            {
                loan.Dispose();
                return false;
            }

            ulong sequence = _next;
            var header = new FrameHeader(Codec.Raw, PixelFormat.Bgr24, FrameFlags.None, _options.StreamId, width, height, stride, 0, sequence, UnixTime.NowNanoseconds());
            _acks?.OnSending(sequence);
            await loan.SendAsync(header, metadata, cancellationToken);
            _next++;
            return true;
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Sends a JPEG that is already encoded (a camera's, or a file's); its size is read from the JPEG itself.</summary>
    public async ValueTask<bool> SendJpegAsync(ReadOnlyMemory<byte> jpeg, ReadOnlyMemory<byte> metadata = default, CancellationToken cancellationToken = default)
    {
        (int width, int height) = JpegSize(jpeg.Span);
        await _sending.WaitAsync(cancellationToken);
        try
        {
            return await SendFrameAsync(Codec.Jpeg, PixelFormat.Bgr24, width, height, 0, jpeg, metadata, null, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>
    /// Request/reply: sends a frame as <see cref="SendAsync"/> does and waits for the receiver's RESULT for it, e.g.
    /// the detections of a model. Several requests may be outstanding at once, from one sending caller.
    /// </summary>
    public async Task<FrameResult> RequestAsync(ReadOnlyMemory<byte> bgr, int width, int height, int stride = 0, CancellationToken cancellationToken = default)
    {
        if (!_connection.Negotiated.HasFlag(Capabilities.Result))
        {
            throw new InvalidOperationException("this receiver does not send RESULTs (its HELLO lacks the RESULT capability)");
        }

        var reply = new TaskCompletionSource<FrameResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!await SendBgrAsync(bgr, width, height, stride, default, reply, cancellationToken))
        {
            throw new InvalidOperationException($"the receiver stopped the stream: {StopReason}");
        }

        using CancellationTokenRegistration stopped = _stopped.Token.Register(() =>
            reply.TrySetException(new IOException($"the stream ended before the result came: {StopReason}")));
        return await reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Round trip time percentile (send to ACK) in milliseconds, with <see cref="FrameSenderOptions.Ack"/>; null before any ACK.</summary>
    public double? AckRoundTripMs(double percentile) => _acks is { RoundTrip.Count: > 0 } acks ? acks.RoundTrip.PercentileMs(percentile) : null;

    /// <summary>Frames the receiver acknowledged.</summary>
    public long Acknowledged => _acks?.Acknowledged ?? 0;

    /// <summary>Ends the stream cleanly: END, then the receiver's END, which says it read every frame. True when it came.</summary>
    public async Task<bool> CompleteAsync()
    {
        await _connection.SendEndAsync();
        return await Task.WhenAny(_inbound, Task.Delay(s_endWait)) == _inbound && await _inbound;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_connection.EndSent)
        {
            await CompleteAsync();
        }

        await _connection.DisposeAsync();
        _encoder?.Dispose();
        _sending.Dispose();
        _stopped.Dispose();
    }

    // Encoding and sending hold the send lock: the encoder, its output buffer and the sequence number are shared.
    private async ValueTask<bool> SendBgrAsync(ReadOnlyMemory<byte> bgr, int width, int height, int stride, ReadOnlyMemory<byte> metadata,
        TaskCompletionSource<FrameResult>? reply, CancellationToken cancellationToken)
    {
        stride = stride == 0 ? width * 3 : stride;
        await _sending.WaitAsync(cancellationToken);
        try
        {
            if (_options.Codec == Codec.Raw)
            {
                return await SendFrameAsync(Codec.Raw, PixelFormat.Bgr24, width, height, stride, bgr, metadata, reply, cancellationToken);
            }

            _encoder ??= FrameCodecs.CreateEncoder(_options.Codec, _options.Encoder);
            int needed = _encoder.MaxEncodedSize(width, height);
            if (_encoded.Length < needed)
            {
                _encoded = GC.AllocateUninitializedArray<byte>(needed);
            }

            int length = _encoder.Encode(bgr.Span, width, height, stride, _encoded);
            return await SendFrameAsync(_options.Codec, _encoder.PayloadPixelFormat, width, height, 0, _encoded.AsMemory(0, length), metadata, reply, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    // Under the send lock. A request is registered before its frame leaves, so its RESULT cannot come first.
    private async ValueTask<bool> SendFrameAsync(Codec codec, PixelFormat format, int width, int height, int stride, ReadOnlyMemory<byte> payload,
        ReadOnlyMemory<byte> metadata, TaskCompletionSource<FrameResult>? reply, CancellationToken cancellationToken)
    {
        if (Stopped)
        {
            return false;
        }

        ulong sequence = _next;
        var header = new FrameHeader(codec, format, FrameFlags.None, _options.StreamId, width, height, stride, 0, sequence, UnixTime.NowNanoseconds());
        if (reply is not null)
        {
            _requests[sequence] = reply;
        }

        _acks?.OnSending(sequence);
        try
        {
            // A cancellation here stops the wait for a shared-memory slot; a frame already going out is completed,
            // or the connection is cut (never left half-written), and then this sender stops.
            await _connection.SendFrameAsync(header, metadata, payload, cancellationToken);
        }
        catch (Exception e) when (e is IOException and not FrameTooLargeException or SocketException or ObjectDisposedException)
        {
            _requests.TryRemove(sequence, out _);
            Stop($"connection lost while sending frame {sequence}: {e.Message}");
            throw;
        }
        catch
        {
            _requests.TryRemove(sequence, out _);
            throw;
        }

        _next++;
        return true;
    }

    private static (int Width, int Height) JpegSize(ReadOnlySpan<byte> jpeg)
    {
        using var decoder = new JpegDecoder();
        (int width, int height, _) = decoder.ReadHeader(jpeg);
        return (width, height);
    }

    private async Task<bool> ReadInboundAsync()
    {
        try
        {
            while (true)
            {
                Message message = await _connection.ReadAsync();
                switch (message.Type)
                {
                    case MessageType.Ack:
                        _acks?.OnAck(message.ReadAck());
                        break;
                    case MessageType.Result:
                        ResultHeader header = message.ReadResult();
                        var result = new FrameResult(header.StreamId, header.Sequence, header.IsJson, message.ResultData.ToArray());
                        if (_requests.TryRemove(header.Sequence, out TaskCompletionSource<FrameResult>? waiting))
                        {
                            waiting.TrySetResult(result);
                        }
                        else
                        {
                            _options.OnResult?.Invoke(result);
                        }

                        break;
                    case MessageType.End:
                        Stop(_connection.EndSent ? "ended" : "the receiver asked for no more frames (END)");
                        return true;
                    case MessageType.Error:
                        ErrorMessage error = message.ReadError();
                        Stop($"the receiver closed the connection: {error.Reason} (error {(uint)error.Code} {error.Code})");
                        return false;
                    default:
                        Stop("the receiver closed the connection");
                        return false;
                }
            }
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Stop($"connection lost: {e.Message}");
            return false;
        }
    }

    private void Stop(string reason)
    {
        StopReason ??= reason;
        _stopped.Cancel();
    }
}
