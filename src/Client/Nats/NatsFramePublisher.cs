using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using RawFrames.Client.Connecting;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Nats;

/// <summary>
/// Publishes frames on NATS (PROTOCOL.md §19): each frame one message whose body is its FRAME body, on
/// <c>SUBJECT.STREAM.CODEC</c>, with this publisher's id in a header so that consumers keep publishers apart. A frame
/// over the server's max_payload is refused before it is sent, naming the server setting. NATS.Net reconnects by
/// itself; frames published while no server is reachable are the subscribers' gaps.
/// </summary>
internal sealed class NatsFramePublisher : IFrameOutlet, IAsyncDisposable
{
    private readonly NatsConnection _nats;
    private readonly NatsAddress _address;
    private readonly NatsHeaders _headers;
    private readonly HashSet<string> _subjects = [];
    private readonly Dictionary<(uint, Codec), string> _subjectOf = [];

    private NatsFramePublisher(NatsConnection nats, NatsAddress address)
    {
        _nats = nats;
        _address = address;
        PublisherId = Guid.NewGuid().ToString("N");
        _headers = new NatsHeaders { [NatsFrameHeaders.Publisher] = PublisherId };
    }

    public string PublisherId { get; }

    /// <summary>The server's max_payload: the largest FRAME body it takes.</summary>
    public long MaxPayload => _nats.ServerInfo?.MaxPayload ?? 0;

    public bool Stopped => false; // nobody on NATS can ask a publisher to stop

    public CancellationToken StoppedToken => CancellationToken.None;

    /// <summary>Connects, retrying with backoff for <paramref name="connectTimeout"/> while no server answers.</summary>
    /// <exception cref="IOException">No server answered in time, or it refused the credentials.</exception>
    public static async Task<NatsFramePublisher> ConnectAsync(NatsAddress address, TimeSpan connectTimeout, ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        NatsConnection nats = await NatsConnecting.ConnectAsync(address, "rawframes-send", connectTimeout, loggers, cancellationToken).ConfigureAwait(false);
        return new NatsFramePublisher(nats, address);
    }

    public async ValueTask<bool> SendFrameAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var frame = new OutgoingFrame(header, metadata, payload);
        if (MaxPayload > 0 && frame.BodyLength > MaxPayload)
        {
            throw new IOException($"frame {header.Sequence} is {frame.BodyLength:N0} bytes, over the NATS server's max_payload of {MaxPayload:N0}: " +
                "raise max_payload in the server's configuration file (nats-server -c FILE; at most 64 MB, 8 MB recommended) or send smaller frames (--codec jpeg)");
        }

        await _nats.PublishAsync(Subject(header), frame, _headers, serializer: NatsFrameSerializer.Instance, cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }

    public Task AbortAsync(ErrorCode code, string reason) => Task.CompletedTask; // NATS has no way to tell subscribers why

    /// <summary>Ends the stream on every subject used (an empty message with the END header), then waits until the server has everything.</summary>
    public async Task<bool> CompleteAsync()
    {
        var end = new NatsHeaders { [NatsFrameHeaders.Publisher] = PublisherId, [NatsFrameHeaders.End] = "1" };
        foreach (string subject in _subjects)
        {
            await _nats.PublishAsync(subject, headers: end).ConfigureAwait(false);
        }

        await _nats.PingAsync().ConfigureAwait(false); // the server has read everything before this
        return true;
    }

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
