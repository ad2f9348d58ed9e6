using RawFrames.Client;

namespace RawFrames.Receiver;

/// <summary>Everything the command line decided, validated.</summary>
internal sealed record ReceiverOptions(
    SocketEndpoint Listen,
    long Frames,
    bool Once,
    bool Verify,
    DecodeTarget? Decode,
    int DecoderThreads,
    bool FastDecode,
    double MinPsnrDb,
    string? SaveDirectory,
    int SaveEvery,
    bool Stdout,
    string? Http,
    int MaxMessageBytes,
    TimeSpan IdleTimeout,
    ReadOnlyMemory<byte>? Token,
    TlsOptions? Tls,
    int MaxConnections,
    bool ClockSynced,
    bool Json,
    bool Quiet)
{
    /// <summary>--from: instead of listening, subscribe to a relay at this endpoint, or on NATS subjects (PROTOCOL.md §19); null: listen.</summary>
    public Endpoint? From { get; init; }

    /// <summary>--model: every frame becomes this model input (instead of --decode); null: none.</summary>
    public RawFrames.Client.TensorSpec? Model { get; init; }

    /// <summary>--record: every frame into a recording; null: none.</summary>
    public RawFrames.Programs.Cli.RecordSettings? Record { get; init; }

    /// <summary>With --from: how the relay should deliver (HELLO option 3).</summary>
    public SubscriptionOptions? Subscription { get; init; }
}
