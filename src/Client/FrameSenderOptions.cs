using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>How a <see cref="FrameSender"/> connects and encodes.</summary>
public sealed record FrameSenderOptions
{
    /// <summary>What <see cref="FrameSender.SendAsync"/> sends BGR frames as: raw, or encoded (JPEG, YUV-JPEG, PNG, BMP).</summary>
    public Codec Codec { get; init; } = Codec.Raw;

    /// <summary>Quality, subsampling and PNG level of the encoder.</summary>
    public EncoderSettings Encoder { get; init; } = new();

    /// <summary>Written into every frame header.</summary>
    public uint StreamId { get; init; }

    /// <summary>Ask the receiver to acknowledge every frame; <see cref="FrameSender.AckRoundTripMs"/> then has round trip times.</summary>
    public bool Ack { get; init; }

    /// <summary>How long to keep trying while nobody listens yet (start order does not matter).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Announced in HELLO; the receiver is taken for dead after this long without a byte from it. Zero: never.</summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called (on the connection's read task) for each RESULT that no <see cref="FrameSender.RequestAsync"/> waits for.</summary>
    public Action<FrameResult>? OnResult { get; init; }

    /// <summary>The shared token to present to a receiver that requires one (PROTOCOL.md §14).</summary>
    public ReadOnlyMemory<byte>? Token { get; init; }

    /// <summary>TLS: <c>new TlsOptions { PinnedSha256 = "..." }</c> for a self-signed receiver, <c>new TlsOptions()</c> for a trusted one.</summary>
    public RawFrames.Protocol.Transport.TlsOptions? Tls { get; init; }

    /// <summary>Named in HELLO for the receiver's logs.</summary>
    public string Software { get; init; } = "RawFrames.Client/1";
}
