using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using RawFrames.Client.Sending;
using RawFrames.Client.Statistics;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport.SharedMemory;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;

namespace RawFrames.Client;

/// <summary>
/// Sends frames to a RawFrames receiver (or relay): raw pixels in any pixel format the protocol carries, with any
/// stride, from managed memory or a pointer, raw or encoded as the options say; payloads already encoded (a camera's
/// JPEG); frames written in place in shared memory (<see cref="LoanAsync"/>); and requests that wait for the
/// receiver's RESULT. It connects with backoff and, when the connection is lost, connects again and sends the frame
/// that failed (<see cref="FrameSenderOptions.Reconnect"/>, <see cref="FrameSenderOptions.Policy"/>).
/// </summary>
/// <remarks>
/// <para>Buffers: memory passed in is read during the call and may be reused as soon as the returned task ends.</para>
/// <para>Thread safety: safe for concurrent callers; frames go out one at a time, each with the next sequence number.</para>
/// <para>Cancellation stops a send that waits (for its turn, a shared-memory slot, a new connection); a frame already
/// going out is completed if the receiver takes it within a second, else the connection is cut: never half a frame.</para>
/// <para>Exceptions: <see cref="ConnectFailedException"/> (nobody answered in time), <see cref="ProtocolException"/>
/// (refused, e.g. a wrong token, or a protocol fault), <see cref="FrameTooLargeException"/> (over the receiver's
/// maximum; nothing sent, the connection goes on), <see cref="IOException"/> (the connection was lost for good),
/// <see cref="CodecUnavailableException"/> (a codec's native library is missing), <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed partial class FrameSender : IAsyncDisposable
{
    private static readonly TimeSpan s_endWait = TimeSpan.FromSeconds(5);

    private readonly FrameSenderOptions _options;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly PointerMemory _pointer = new();
    private SenderEncoder? _encoder;
    private ulong _next;
    private long _sent;
    private long _dropped;
    private SenderEnd? _end;
    private int _disposed;

    private FrameSender(IProducerLink producer, FrameSenderOptions options)
    {
        Producer = producer;
        NatsPublisher = producer is Nats.NatsFramePublisher publisher ? new NatsPublisherInfo(publisher) : null;
        _options = options;
        Statistics = new SenderStatistics(this);
    }

    /// <summary>True once the stream has ended (<see cref="End"/>): it takes no more frames.</summary>
    public bool Stopped => End is not null;

    /// <summary>
    /// How the stream ended, once it has: both ENDs (<see cref="CompleteAsync"/>), the receiver's END or ERROR, a
    /// protocol fault, an abort, or the connection lost for good. Null while it goes on.
    /// </summary>
    public SenderEnd? End => Volatile.Read(ref _end) ?? Producer.Stop;

    /// <summary>Why the stream ended, in words (<see cref="End"/>'s reason), once it has.</summary>
    public string? StopReason => End?.Reason;

    /// <summary>The receiver's address, for logs.</summary>
    public string Remote => Producer.Remote;

    /// <summary>How frames travel now: "tcp", "tcp+tls", "unix socket", "shared memory" or "nats".</summary>
    public string Transport => Producer.Transport;

    /// <summary>The sequence number the next frame gets (the first is 0).</summary>
    public ulong NextSequence => Volatile.Read(ref _next);

    /// <summary>Frames sent, dropped, acknowledged; reconnections and ACK round trips.</summary>
    public SenderStatistics Statistics { get; }

    internal IProducerLink Producer { get; }

    /// <summary>Publishing on NATS: the publisher's id and the server's largest message; null on a connection.</summary>
    public NatsPublisherInfo? NatsPublisher { get; }

    internal AckTracker? AckTracker => Producer.Acks;

    internal long SentCount => Interlocked.Read(ref _sent);

    internal long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Sends <paramref name="pixels"/> laid out as <paramref name="format"/> says, raw or encoded with the options'
    /// codec. Returns false, sending nothing, once the stream has stopped; true otherwise (a frame dropped under
    /// <see cref="SendPolicy.Latest"/> included: see <see cref="SenderStatistics.Dropped"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The memory is shorter than the format needs.</exception>
    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> pixels, FrameFormat format, ReadOnlyMemory<byte> metadata = default,
        CancellationToken cancellationToken = default)
    {
        CheckLength(pixels.Length, format);
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendRawAsync(pixels, format, metadata, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Sends <paramref name="height"/> rows of packed BGR24 pixels, <paramref name="stride"/> bytes apart (0: packed); see <see cref="SendAsync(ReadOnlyMemory{byte}, FrameFormat, ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> bgr, int width, int height, int stride = 0, ReadOnlyMemory<byte> metadata = default,
        CancellationToken cancellationToken = default) =>
        SendAsync(bgr, FrameFormat.Bgr24(width, height, stride), metadata, cancellationToken);

    /// <summary>
    /// Sends pixels from unmanaged memory (a camera driver's buffer, a native decoder's output), <paramref name="length"/>
    /// bytes at <paramref name="pixels"/>, read during the call only.
    /// </summary>
    public async ValueTask<bool> SendAsync(nint pixels, long length, FrameFormat format, ReadOnlyMemory<byte> metadata = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfEqual(pixels, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue);
        CheckLength(length, format);
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One wrapper, reused under the send lock: nothing is allocated per frame.
            return await SendRawAsync(_pointer.Wrap(pixels, (int)length), format, metadata, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pointer.Wrap(0, 0);
            _sending.Release();
        }
    }

    /// <summary>Sends a payload that is already encoded as <paramref name="codec"/>, as it is (PROTOCOL.md §7).</summary>
    /// <param name="pixelFormat">What the payload was coded from and decodes to (BGR24 or GRAY8 for JPEG and PNG, J420 for YUV-JPEG, BGR24 for BMP).</param>
    public async ValueTask<bool> SendEncodedAsync(ReadOnlyMemory<byte> payload, Codec codec, PixelFormat pixelFormat, int width, int height,
        ReadOnlyMemory<byte> metadata = default, CancellationToken cancellationToken = default)
    {
        if (codec == Codec.Raw || !FrameHeader.IsCodedFrom(codec, pixelFormat))
        {
            throw new ArgumentException($"{codec} with pixel format {pixelFormat} is not a compressed payload PROTOCOL.md §7 allows", nameof(codec));
        }

        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendPayloadAsync(new FrameHeader(codec, pixelFormat, Flags(metadata), _options.StreamId, width, height, 0, 0, 0, 0),
                metadata, payload, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Sends a JPEG that is already encoded (a camera's, or a file's); its size and colour are read from the JPEG itself.</summary>
    /// <exception cref="CorruptFrameException">The bytes are not a JPEG with a frame header.</exception>
    public ValueTask<bool> SendJpegAsync(ReadOnlyMemory<byte> jpeg, ReadOnlyMemory<byte> metadata = default, CancellationToken cancellationToken = default)
    {
        JpegInfo info = JpegInfo.Read(jpeg.Span);
        return SendEncodedAsync(jpeg, Codec.Jpeg, info.Components == 1 ? PixelFormat.Gray8 : PixelFormat.Bgr24, info.Width, info.Height, metadata, cancellationToken);
    }

    /// <summary>
    /// Ends the stream cleanly: END, then the receiver's END, which says it read every frame. True when it came
    /// (<see cref="End"/> is then <see cref="SenderEndKind.Ended"/>, or <see cref="SenderEndKind.ReceiverEnded"/> when
    /// the receiver had asked first); false when it did not come within 5 s, or the receiver refused or was gone
    /// (<see cref="End"/> says so when the receiver said why).
    /// </summary>
    public async Task<bool> CompleteAsync()
    {
        await _sending.WaitAsync().ConfigureAwait(false);
        try
        {
            bool confirmed = await Producer.EndAsync(s_endWait).ConfigureAwait(false);
            if (confirmed)
            {
                Finish(new SenderEnd(SenderEndKind.Ended, "ended: the receiver read every frame"));
            }

            return confirmed;
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Closes the connection without ending the stream (call <see cref="CompleteAsync"/> first for a clean END); frees what the sender holds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!Producer.EndSent && !Stopped)
        {
            await CompleteAsync().ConfigureAwait(false);
        }

        await Producer.DisposeAsync().ConfigureAwait(false);
        _encoder?.Dispose();
        _sending.Dispose();
    }

    // Under the send lock: raw as it is, or through the options' encoder (one per sender, reused).
    private ValueTask<bool> SendRawAsync(ReadOnlyMemory<byte> pixels, FrameFormat format, ReadOnlyMemory<byte> metadata,
        TaskCompletionSource<FrameResult>? reply, CancellationToken cancellationToken)
    {
        if (_options.Codec == Codec.Raw)
        {
            return SendPayloadAsync(Header(Codec.Raw, format.PixelFormat, format.Width, format.Height, format.Stride, metadata), metadata,
                pixels[..(int)format.PayloadLength], reply, cancellationToken);
        }

        _encoder ??= new SenderEncoder(_options.Codec, _options.Encoder);
        (PixelFormat encodedFrom, ReadOnlyMemory<byte> payload) = _encoder.Encode(pixels.Span, format);
        return SendPayloadAsync(Header(_options.Codec, encodedFrom, format.Width, format.Height, 0, metadata), metadata, payload, reply, cancellationToken);
    }

    // Under the send lock: numbered and stamped here, in the order frames leave.
    private async ValueTask<bool> SendPayloadAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload,
        TaskCompletionSource<FrameResult>? reply, CancellationToken cancellationToken)
    {
        header = header with { Sequence = _next, TimestampNs = header.TimestampNs != 0 ? header.TimestampNs : UnixTime.NowNanoseconds() };
        return await SendHeaderAsync(header, metadata, payload, reply, cancellationToken).ConfigureAwait(false) != SendOutcome.Stopped;
    }

    // Under the send lock: a frame whose header is complete; the next frame of the sender's own numbering follows it,
    // and a dropped one leaves a gap the receiver sees.
    private async ValueTask<SendOutcome> SendHeaderAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload,
        TaskCompletionSource<FrameResult>? reply, CancellationToken cancellationToken)
    {
        if (CheckStopped())
        {
            return SendOutcome.Stopped;
        }

        try
        {
            bool sent = await Producer.SendAsync(header, metadata, payload, reply, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref sent ? ref _sent : ref _dropped);
            Volatile.Write(ref _next, header.Sequence + 1);
            return sent ? SendOutcome.Sent : SendOutcome.Dropped;
        }
        catch (IOException e) when (e is not FrameTooLargeException)
        {
            Finish(new SenderEnd(SenderEndKind.Lost, e.Message));
            throw;
        }
    }

    // The first end wins; the producer's own (the receiver's END or ERROR) counts as first.
    private void Finish(SenderEnd end)
    {
        if (End is null)
        {
            Interlocked.CompareExchange(ref _end, end, null);
        }
    }

    private FrameHeader Header(Codec codec, PixelFormat format, int width, int height, int stride, ReadOnlyMemory<byte> metadata) =>
        new(codec, format, Flags(metadata), _options.StreamId, width, height, stride, 0, _next, UnixTime.NowNanoseconds());

    private void Sent(FrameHeader header)
    {
        Interlocked.Increment(ref _sent);
        Volatile.Write(ref _next, header.Sequence + 1);
    }

    // A stream that stopped takes no more frames; one whose connection is merely lost reconnects in the producer.
    private bool CheckStopped()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Stopped;
    }

    // Metadata that parses as JSON is flagged so (PROTOCOL.md §6, flag bit 0).
    private static FrameFlags Flags(ReadOnlyMemory<byte> metadata) => FrameMetadata.Flags(metadata.Span);

    private static void CheckLength(long length, FrameFormat format)
    {
        if (length < format.PayloadLength)
        {
            throw new ArgumentException($"{length} bytes are fewer than a {format.PixelFormat} frame of {format.Width}x{format.Height} with stride {format.Stride} needs ({format.PayloadLength})");
        }
    }
}

/// <summary>What became of a frame handed to the link.</summary>
internal enum SendOutcome
{
    Sent,

    /// <summary>Dropped by the latest policy while reconnecting: a gap the receiver sees.</summary>
    Dropped,

    /// <summary>The stream had stopped: nothing was sent.</summary>
    Stopped,
}
