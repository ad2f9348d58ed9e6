using Microsoft.Extensions.Logging;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>How a <see cref="FrameSender"/> connects, encodes, and behaves when the connection is lost.</summary>
public sealed record FrameSenderOptions
{
    /// <summary>What raw frames given to <see cref="FrameSender.SendAsync(ReadOnlyMemory{byte}, FrameFormat, ReadOnlyMemory{byte}, CancellationToken)"/> travel as: raw (the default), or encoded (JPEG and PNG from BGR24; YUV-JPEG from BGR24 or J420; BMP from BGR24).</summary>
    public Codec Codec { get; init; } = Codec.Raw;

    /// <summary>Quality, chroma subsampling and PNG level of the encoder.</summary>
    public EncoderSettings Encoder { get; init; } = new();

    /// <summary>Written into every frame header.</summary>
    public uint StreamId { get; init; }

    /// <summary>Ask the receiver to acknowledge every frame (PROTOCOL.md §10.1): <see cref="FrameSender.Statistics"/> then has round trip times, and which frames a lost connection took.</summary>
    public bool Ack { get; init; }

    /// <summary>How long to keep trying to connect, at the start and after a lost connection (start order does not matter). Zero: forever.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connect again when the connection is lost (the receiver died, restarted, said ShuttingDown or went silent). The default.</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>What a frame does while the connection is lost: wait for the new one (lossless), or be dropped and counted (latest).</summary>
    public SendPolicy Policy { get; init; } = SendPolicy.Lossless;

    /// <summary>Announced in HELLO; the receiver is taken for dead after this long without a byte from it. Zero: never.</summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called (on the connection's read task) for each RESULT that no <see cref="FrameSender.RequestAsync(ReadOnlyMemory{byte}, FrameFormat, CancellationToken)"/> waits for.</summary>
    public Action<FrameResult>? OnResult { get; init; }

    /// <summary>The shared token to present to a receiver that requires one (PROTOCOL.md §14), 1 to 1,024 bytes.</summary>
    public ReadOnlyMemory<byte>? Token { get; init; }

    /// <summary>The longest token a HELLO may carry, in bytes (PROTOCOL.md §5); a token is 1 to this many bytes.</summary>
    public const int MaxTokenBytes = Hello.MaxTokenBytes;

    /// <summary>TLS: <c>new TlsOptions { PinnedSha256 = "..." }</c> for a self-signed receiver, <c>new TlsOptions()</c> for a trusted one.</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>
    /// With <c>shm://</c> endpoints: the largest payload expected, which sizes the shared-memory slots (0: the first
    /// frame's). A larger frame travels as an ordinary FRAME.
    /// </summary>
    public int LargestPayload { get; init; }

    /// <summary>
    /// The frames were captured earlier (a recording replayed, with its own timestamps): receivers are told so
    /// (HELLO option 4), show the stream as a replay and measure no capture-to-receive latency from its timestamps.
    /// </summary>
    public bool Replay { get; init; }

    /// <summary>Named in HELLO for the receiver's logs.</summary>
    public string Software { get; init; } = "RawFrames.Client/1";

    /// <summary>Where connections, losses and reconnections are logged; null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>What a <see cref="FrameSender"/> does with frames while its connection is lost.</summary>
public enum SendPolicy
{
    /// <summary>The send waits for the new connection and the frame goes on it: nothing is lost, frames come late.</summary>
    Lossless,

    /// <summary>The send returns at once and the frame is dropped (<see cref="SenderStatistics.Dropped"/>): the receiver sees a gap, never a backlog.</summary>
    Latest,
}
