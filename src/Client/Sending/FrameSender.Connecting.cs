using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using RawFrames.Client.Sending;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>Making a sender: a RawFrames connection (kept up across losses), or a NATS publisher (PROTOCOL.md §19).</summary>
public sealed partial class FrameSender
{
    /// <summary>
    /// Connects to <c>tcp://HOST:PORT</c>, <c>unix:///path</c>, or <c>shm:///path</c> (frames through shared memory,
    /// PROTOCOL.md §15), retrying while nobody listens yet, for up to <see cref="FrameSenderOptions.ConnectTimeout"/>;
    /// or publishes on NATS, <c>nats://[CREDENTIALS@]HOST:PORT/SUBJECT</c> (PROTOCOL.md §19: each frame one message on
    /// <c>SUBJECT.STREAM.CODEC</c>; no ACKs or RESULTs, which NATS has no way back for).
    /// </summary>
    /// <exception cref="FormatException">The endpoint is not written as above.</exception>
    /// <exception cref="ArgumentException">An option NATS cannot honour (<see cref="FrameSenderOptions.Ack"/>, a token or TLS outside the URL).</exception>
    public static async Task<FrameSender> ConnectAsync(string endpoint, FrameSenderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new FrameSenderOptions();
        if (Nats.NatsAddress.IsNats(endpoint))
        {
            return await PublishAsync(Nats.NatsAddress.Parse(endpoint), options, cancellationToken).ConfigureAwait(false);
        }

        var connectionOptions = new ConnectionOptions
        {
            Role = PeerRole.Producer,
            Software = options.Software,
            Capabilities = Capabilities.Result | Capabilities.ModelInputs | (options.Ack ? Capabilities.Ack : Capabilities.None),
            IdleTimeout = options.PeerTimeout,
            Token = options.Token,
            ClientTls = options.Tls is { } tls ? tls.ForClient : null,
            SharedMemorySlotSize = options.LargestPayload,
            Replay = options.Replay,
        };
        ILogger log = options.LoggerFactory?.CreateLogger<FrameSender>() ?? NullLogger<FrameSender>.Instance;
        ReconnectingProducer producer = await ReconnectingProducer.ConnectAsync(FrameEndpoint.Parse(endpoint), connectionOptions, options, log, cancellationToken)
            .ConfigureAwait(false);
        return new FrameSender(producer, options);
    }

    private static async Task<FrameSender> PublishAsync(Nats.NatsAddress address, FrameSenderOptions options, CancellationToken cancellationToken)
    {
        string? unsupported = options.Ack ? "Ack (NATS has no way back to the publisher)"
            : options.Token is not null ? "Token (put NATS credentials in the URL: nats://USER:PASSWORD@HOST:PORT/... or nats://TOKEN@...)"
            : options.Tls is not null ? "Tls (write nats+tls://, with ?ca=PATH for a private CA)"
            : null;
        if (unsupported is not null)
        {
            throw new ArgumentException($"{address.Text}: the option {unsupported} does not apply to NATS", nameof(options));
        }

        Nats.NatsFramePublisher publisher = await Nats.NatsFramePublisher.ConnectAsync(address, options.Software, options.ConnectTimeout, options.LoggerFactory,
            cancellationToken).ConfigureAwait(false);
        return new FrameSender(publisher, options);
    }
}
