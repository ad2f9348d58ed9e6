using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sources;

namespace RawFrames.Sender;

/// <summary>Everything the command line decided, validated.</summary>
/// <param name="To">Where the frames go: a consumer's endpoint, or a NATS subject (PROTOCOL.md §19) to publish on.</param>
internal sealed record SenderOptions(
    Endpoint To,
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

    /// <summary>Where the frames go, as the user wrote it (credentials hidden).</summary>
    public string Target => To.Display;

    /// <summary>--speed, --loop, --from-time, --from-sequence: how a replay: source plays.</summary>
    public ReplaySettings Replay { get; init; } = new(1, null, false, null, null);
}
