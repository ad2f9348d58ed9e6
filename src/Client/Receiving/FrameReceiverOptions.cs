using Microsoft.Extensions.Logging;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>How a <see cref="FrameReceiver"/> listens (or subscribes), and what it accepts.</summary>
public sealed record FrameReceiverOptions
{
    /// <summary>The largest message accepted; longer length prefixes are refused before their payload is read (PROTOCOL.md §3.1).</summary>
    public int MaxMessageLength { get; init; } = DefaultMaxMessageLength;

    /// <summary>The default <see cref="MaxMessageLength"/>: 64 MiB.</summary>
    public const int DefaultMaxMessageLength = ProtocolConstants.DefaultMaxMessageLength;

    /// <summary>The smallest <see cref="MaxMessageLength"/> allowed: 4 KiB.</summary>
    public const int MinMaxMessageLength = ProtocolConstants.MinMaxMessageLength;

    /// <summary>The largest <see cref="MaxMessageLength"/> allowed: 1 GiB.</summary>
    public const int MaxMaxMessageLength = ProtocolConstants.MaxMaxMessageLength;

    /// <summary>A sender silent for this long is taken for dead (announced in HELLO, so senders ping in time). Zero: never.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Connections served at once, openings included; more are refused with ERROR ConnectionLimit.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>How a refusal over <see cref="MaxConnections"/> names the setting, e.g. a program's <c>--max-connections</c>.</summary>
    public string MaxConnectionsName { get; init; } = "FrameReceiverOptions.MaxConnections";

    /// <summary>End <see cref="FrameReceiver.ReadAllAsync"/> when the first sender has finished (a one-shot receiver).</summary>
    public bool Once { get; init; }

    /// <summary>Senders must present this token (PROTOCOL.md §14); a missing or wrong one is refused with Unauthorized.</summary>
    public ReadOnlyMemory<byte>? Token { get; init; }

    /// <summary>TLS with <see cref="TlsOptions.Certificate"/>.</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>JPEG decoding for <see cref="ReceivedFrame.Bgr"/>: TurboJPEG's fast IDCT and upsampling (about 14% less CPU, 0.9 dB less PSNR).</summary>
    public bool FastDecode { get; init; }

    /// <summary>Named in HELLO for the senders' logs.</summary>
    public string Software { get; init; } = "RawFrames.Client/1";

    /// <summary>Where connections opening, ending (with the reason) and refused are logged; null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>What a subscriber asks a relay for (HELLO option 3, PROTOCOL.md §16).</summary>
public sealed record SubscriptionOptions
{
    /// <summary>Every frame through a bounded queue at the relay (lossless), or the newest only (latest).</summary>
    public DeliveryPolicy Policy { get; init; } = DeliveryPolicy.Lossless;

    /// <summary>Lossless: what the relay does when this subscriber's queue is full.</summary>
    public WhenFull WhenFull { get; init; } = WhenFull.SwitchToLatest;

    /// <summary>The codec to receive frames in (the relay converts once per frame for everyone who asks); null: as sent.</summary>
    public Codec? Codec { get; init; }

    /// <summary>Lossless: the queue's bound at the relay, up to 1,024; 0: the relay's default.</summary>
    public int QueueFrames { get; init; }

    /// <summary>The largest <see cref="QueueFrames"/> a relay grants (PROTOCOL.md §5).</summary>
    public const int MaxQueueFrames = Subscription.MaxQueueFrames;

    /// <summary>Only this stream (as the relay delivers it); null: every stream.</summary>
    public uint? StreamId { get; init; }

    /// <summary>Follow the relay: connect again when it restarts or ends the subscription, until stopped (a relay chained to another). Otherwise one subscription, ended by the relay's END.</summary>
    public bool Follow { get; init; }

    /// <summary>How long to keep trying to connect (each time, when following). Zero: forever.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    internal Subscription ToWire() => new(Policy, WhenFull, Codec, QueueFrames, StreamId);
}
