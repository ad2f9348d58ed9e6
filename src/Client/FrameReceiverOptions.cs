using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>How a <see cref="FrameReceiver"/> listens.</summary>
public sealed record FrameReceiverOptions
{
    /// <summary>The largest message accepted; longer length prefixes are refused before their payload is read.</summary>
    public int MaxMessageLength { get; init; } = ProtocolConstants.DefaultMaxMessageLength;

    /// <summary>A sender silent for this long is taken for dead (announced in HELLO, so senders ping in time). Zero: never.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>End the iterations when the first sender has finished (a one-shot receiver, as in tests and scripts).</summary>
    public bool Once { get; init; }

    /// <summary>Connections opening, ending (with the reason) and refused; null: silent.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Senders must present this token (PROTOCOL.md §14); a missing or wrong one is refused with Unauthorized.</summary>
    public ReadOnlyMemory<byte>? Token { get; init; }

    /// <summary>TLS with <see cref="RawFrames.Protocol.Transport.TlsOptions.Certificate"/>.</summary>
    public RawFrames.Protocol.Transport.TlsOptions? Tls { get; init; }

    /// <summary>Named in HELLO for the senders' logs.</summary>
    public string Software { get; init; } = "RawFrames.Client/1";
}
