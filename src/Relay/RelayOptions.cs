using RawFrames.Client;
using RawFrames.Programs.Cli;

namespace RawFrames.Relay;

/// <summary>Everything the command line decided, validated.</summary>
/// <param name="Listen">Where producers connect; null when the relay only subscribes upstream.</param>
/// <param name="Serve">Where subscribers connect.</param>
/// <param name="From">An upstream relay to subscribe to (chaining relays), with <paramref name="UpstreamPolicy"/> as its policy.</param>
internal sealed record RelayOptions(
    SocketEndpoint? Listen,
    IReadOnlyList<SocketEndpoint> Serve,
    SocketEndpoint? From,
    DeliveryPolicy UpstreamPolicy,
    string? Http,
    int Queue,
    EncoderSettings Encoder,
    TimeSpan IdleTimeout,
    bool Once,
    bool Json,
    bool Quiet)
{
    /// <summary>--model: subscribers get model inputs of every frame instead of the frames; null: frames.</summary>
    public TensorSpec? Model { get; init; }

    /// <summary>--from nats://HOST:PORT/SUBJECT: frames from NATS publishers (PROTOCOL.md §19) into the hub; null: none.</summary>
    public NatsEndpoint? NatsFrom { get; init; }

    /// <summary>--publish nats://HOST:PORT/SUBJECT: the relay's frames onto NATS as well (PROTOCOL.md §19); null: none.</summary>
    public NatsEndpoint? NatsPublish { get; init; }

    /// <summary>--record: every incoming frame into a recording as well; null: none.</summary>
    public RecordSettings? Record { get; init; }

    /// <summary>--batch: model inputs per published frame (PROTOCOL.md §7.2).</summary>
    public int Batch { get; init; } = 1;

    /// <summary>--result-wait-ms: how long the browser view holds a frame back for a subscriber's RESULT.</summary>
    public TimeSpan ResultWait { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>--batch-wait-ms: the longest a batch's first image waits for the batch to fill; zero: until full.</summary>
    public TimeSpan BatchWait { get; init; }

    /// <summary>--max-queued-mib: the MiB of frames queued for one subscriber.</summary>
    public long MaxQueuedMib { get; init; } = DefaultMaxQueuedMib;

    /// <summary>--max-total-queued-mib: the MiB of frames queued for all subscribers together.</summary>
    public long MaxTotalQueuedMib { get; init; } = DefaultMaxTotalQueuedMib;

    /// <summary>
    /// 128 MiB per subscriber (21 raw 1080p frames, about 700 JPEG ones: a lossless queue rides out a stall of a
    /// fraction of a second raw, many seconds compressed) and 512 MiB for all: a relay on a 2 GB box beside eight
    /// cameras keeps three quarters of the memory whatever its subscribers ask for.
    /// </summary>
    public const int DefaultMaxQueuedMib = 128;

    /// <inheritdoc cref="DefaultMaxQueuedMib"/>
    public const int DefaultMaxTotalQueuedMib = 512;
}
