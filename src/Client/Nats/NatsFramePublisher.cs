using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using RawFrames.Client.Sending;
using RawFrames.Client.Statistics;
using RawFrames.Codecs;
using RawFrames.Protocol.Transport.SharedMemory;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Nats;

/// <summary>
/// Publishes frames on NATS (PROTOCOL.md §19): each frame one message whose body is its FRAME body, on
/// <c>SUBJECT.STREAM.CODEC</c>, with this publisher's id in a header so that consumers keep publishers apart. A frame
/// over the server's max_payload is refused before it is sent, naming the server setting. NATS.Net reconnects by
/// itself; frames published while no server is reachable are the subscribers' gaps.
/// </summary>
internal sealed class NatsFramePublisher : IProducerLink
{
    private readonly NatsConnection _nats;
    private readonly NatsAddress _address;
    private readonly NatsHeaders _headers;
    private readonly HashSet<string> _subjects = [];
    private readonly Dictionary<(uint, Codec), string> _subjectOf = [];
    private readonly LatencyHistogram _reconnectTimes = new();
    private long _lostAt;
    private int _reconnects;
    private int _ended;

    private NatsFramePublisher(NatsConnection nats, NatsAddress address)
    {
        _nats = nats;
        _address = address;
        PublisherId = Guid.NewGuid().ToString("N");
        _headers = new NatsHeaders { [NatsFrameHeaders.Publisher] = PublisherId };
        nats.ConnectionDisconnected += (_, _) =>
        {
            Interlocked.CompareExchange(ref _lostAt, Stopwatch.GetTimestamp(), 0);
            return default;
        };
        nats.ConnectionOpened += (_, _) =>
        {
            if (Interlocked.Exchange(ref _lostAt, 0) is var lostAt and not 0)
            {
                Interlocked.Increment(ref _reconnects);
                _reconnectTimes.RecordNanoseconds((long)(Stopwatch.GetElapsedTime(lostAt).TotalMilliseconds * 1e6));
            }

            return default;
        };
    }

    /// <summary>This publisher's RawFrames-Publisher id.</summary>
    public string PublisherId { get; }

    /// <summary>The server's max_payload: the largest FRAME body it takes.</summary>
    public long MaxPayload => _nats.ServerInfo?.MaxPayload ?? 0;

    public string Remote => _address.Text;

    public string Transport => "nats";

    public SenderEnd? Stop => null; // nobody on NATS can ask a publisher to stop

    public CancellationToken Stopped => CancellationToken.None;

    public bool EndSent => Volatile.Read(ref _ended) != 0;

    public bool CanReply => false; // no back-channel (PROTOCOL.md §19)

    public AckTracker? Acks => null;

    public int Reconnects => Volatile.Read(ref _reconnects);

    public LatencyHistogram ReconnectTimes => _reconnectTimes;

    public IReadOnlyList<UnacknowledgedFrames> Unacknowledged => [];

    /// <summary>Connects, retrying with backoff for <paramref name="connectTimeout"/> while no server answers.</summary>
    /// <exception cref="ConnectFailedException">No server answered in time.</exception>
    /// <exception cref="ProtocolException">The server refused the credentials.</exception>
    public static async Task<NatsFramePublisher> ConnectAsync(NatsAddress address, string name, TimeSpan connectTimeout, ILoggerFactory? loggers,
        CancellationToken cancellationToken)
    {
        NatsConnection nats = await NatsConnecting.ConnectAsync(address, name, connectTimeout, loggers, cancellationToken).ConfigureAwait(false);
        return new NatsFramePublisher(nats, address);
    }

    /// <summary>Publishes the frame on its subject; while no server is reachable NATS.Net buffers, then the frames are the subscribers' gaps.</summary>
    /// <exception cref="FrameTooLargeException">Its FRAME body is over the server's max_payload; nothing published.</exception>
    public async ValueTask<bool> SendAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, TaskCompletionSource<FrameResult>? reply,
        CancellationToken cancellationToken)
    {
        var frame = new OutgoingFrame(header, metadata, payload);
        long limit = MaxPayload;
        if (limit > 0 && frame.BodyLength > limit)
        {
            throw new FrameTooLargeException($"frame {header.Sequence} is {frame.BodyLength:N0} bytes, over the NATS server's max_payload of {limit:N0}: " +
                "raise max_payload in the server's configuration file (nats-server -c FILE; at most 64 MB, 8 MB recommended) or send smaller frames (--codec jpeg)");
        }

        await _nats.PublishAsync(Subject(header), frame, _headers, serializer: NatsFrameSerializer.Instance, cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }

    public ValueTask<FrameLoan?> LoanAsync(int payloadLength, CancellationToken cancellationToken) => ValueTask.FromResult<FrameLoan?>(null);

    /// <summary>Ends the stream on every subject used (an empty message with the END header), then waits until the server has everything.</summary>
    public async Task<bool> EndAsync(TimeSpan wait)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return true;
        }

        using var timeout = new CancellationTokenSource(wait);
        var end = new NatsHeaders { [NatsFrameHeaders.Publisher] = PublisherId, [NatsFrameHeaders.End] = "1" };
        try
        {
            foreach (string subject in _subjects)
            {
                await _nats.PublishAsync(subject, headers: end, cancellationToken: timeout.Token).ConfigureAwait(false);
            }

            await _nats.PingAsync(timeout.Token).ConfigureAwait(false); // the server has read everything before this
            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false; // no server within the wait: subscribers see frames that stop
        }
    }

    /// <summary>NATS has no ERROR (PROTOCOL.md §19): the stream is ended, so subscribers do not wait for more.</summary>
    public Task FailAsync(ErrorCode code, string reason) => EndAsync(TimeSpan.FromSeconds(1));

    public ValueTask DisposeAsync() => _nats.DisposeAsync();

    private string Subject(in FrameHeader header)
    {
        if (!_subjectOf.TryGetValue((header.StreamId, header.Codec), out string? subject))
        {
            subject = $"{_address.Subject}.{header.StreamId}.{CodecNames.Name(header.Codec)}";
            _subjectOf[(header.StreamId, header.Codec)] = subject;
            _subjects.Add(subject);
        }

        return subject;
    }
}
