using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming.Sources;

namespace RawFrames.Sender;

/// <summary>Everything the command line decided, validated.</summary>
/// <param name="To">The consumer's endpoint; null when <see cref="Nats"/> is the target.</param>
internal sealed record SenderOptions(
    SocketEndpoint? To,
    SourceSpec Source,
    double? Fps,
    Codec Codec,
    EncoderSettings Encoder,
    int EncoderThreads,
    int Stride,
    long Frames,
    TimeSpan? Duration,
    uint StreamId,
    string? Metadata,
    TimeSpan ConnectTimeout,
    bool Reconnect,
    TimeSpan PeerTimeout,
    ReadOnlyMemory<byte>? Token,
    TlsOptions? Tls,
    bool Ack,
    bool Latest,
    bool Json,
    bool Quiet)
{
    /// <summary>Not from the command line: the largest payload the opened source and codec make (shared-memory slot size).</summary>
    public int LargestPayload { get; init; }

    /// <summary>--to nats://HOST:PORT/SUBJECT: frames published on NATS (PROTOCOL.md §19) instead of sent to a consumer.</summary>
    public NatsEndpoint? Nats { get; init; }

    /// <summary>Where the frames go, as the user wrote it (credentials hidden).</summary>
    public string Target => Nats?.Display ?? To!.Text;

    /// <summary>Where the frames go, for <see cref="FrameSender.ConnectAsync"/> (credentials included).</summary>
    public string Endpoint => Nats?.Text ?? To!.Text;

    /// <summary>--speed, --loop, --from-time, --from-sequence: how a replay: source plays.</summary>
    public ReplaySettings Replay { get; init; } = new(1, null, false, null, null);
}
