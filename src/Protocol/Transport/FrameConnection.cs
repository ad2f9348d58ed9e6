using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Protocol.Transport.SharedMemory;
using RawFrames.Protocol.Transport.Sockets;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>
/// One open connection (PROTOCOL.md §2-§15): the transport (<see cref="SocketTransport"/>), the opening
/// (<see cref="ConnectionOpening"/>), and the message pump: <see cref="ReadAsync"/> hands the application its
/// messages and settles the rest on the way (PING, RING, RELEASE, the owed PONG, ACK and RELEASE through
/// <see cref="ControlReplies"/>), enforcing which messages each role may send. Frames go out through
/// <see cref="SendFrameAsync"/>, inline or through shared memory.
/// </summary>
internal sealed partial class FrameConnection : IFrameLink
{
    private static readonly TimeSpan s_closeGrace = TimeSpan.FromSeconds(2);

    private readonly SocketTransport _transport;
    private readonly MessageInput _input;
    private readonly MessageWriter _writer;
    private readonly ControlReplies _replies;
    private readonly ConnectionOptions _options;
    private LivenessWatch? _liveness;
    private SharedMemoryProducer? _sharedOut;
    private SharedMemoryConsumer? _sharedIn;
    private volatile string? _timedOut;
    private int _disposed;
    private int _endSent;
    private int _errorSent;
    private long _pongs;

    private FrameConnection(SocketTransport transport, ConnectionOptions options)
    {
        _transport = transport;
        // Shared memory (PROTOCOL.md §15) needs both processes on one host, which only a Unix socket proves; under TLS
        // every byte is meant to go through TLS.
        if (!transport.IsUnix || transport.IsEncrypted || !Directory.Exists(RingAnnouncement.Directory))
        {
            options = options with { Capabilities = options.Capabilities & ~Capabilities.SharedMemory };
        }

        _options = options;
        LocalHello = options.ToHello();
        _input = new MessageInput(transport.Source, options.MaxMessageLength);
        _writer = new MessageWriter(PipeWriter.Create(transport.Output, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true)))
        {
            CutOff = Abort, // a cancelled write the peer does not take in time ends the connection, never half a frame
        };
        _replies = new ControlReplies(_writer);
    }

    public Hello LocalHello { get; }

    public Hello PeerHello { get; private set; } = null!;

    /// <summary>The peer's address, for logs.</summary>
    public string Remote => _transport.Remote;

    /// <summary>PONGs read so far: the peer answered that many of this side's PINGs (PROTOCOL.md §11).</summary>
    internal long PongsReceived => Interlocked.Read(ref _pongs);

    /// <summary>What the peer named itself in HELLO; null when it did not.</summary>
    public string? PeerSoftware => PeerHello.Software;

    public bool PeerReplays => PeerHello.Replay;

    /// <summary>Why this side closed the connection on its own (its idle timeout expired), or null.</summary>
    public string? TimedOut => _timedOut;

    /// <summary>True on loopback and Unix sockets, where both sides read the same wall clock and latency is meaningful.</summary>
    public bool SharesClock => _transport.SharesClock;

    /// <summary>True when the connection runs over TLS.</summary>
    public bool IsEncrypted => _transport.IsEncrypted;

    /// <summary>The capabilities both HELLOs set: what this connection may use.</summary>
    public Capabilities Negotiated => LocalHello.Capabilities & PeerHello.Capabilities;

    /// <summary>"shared memory", "unix socket" or "tcp", with TLS when used: how frames travel, for logs and summaries.</summary>
    public string TransportName =>
        Negotiated.HasFlag(Capabilities.SharedMemory) ? "shared memory"
        : _transport.IsUnix ? "unix socket"
        : IsEncrypted ? "tcp+tls" : "tcp";

    /// <summary>After a lost connection: the message that was cut, e.g. "a message: 4 of its 60 bytes arrived", or null.</summary>
    public string? PartialMessage => _input.DescribePartialMessage();

    /// <summary>The shared-memory ring of this connection once announced (PROTOCOL.md §15), else null.</summary>
    public RingAnnouncement? SharedMemoryRing => _sharedOut?.Ring ?? _sharedIn?.Ring;

    /// <summary>True once this side sent END.</summary>
    public bool EndSent => Volatile.Read(ref _endSent) != 0;

    /// <summary>
    /// Reads the next message for the application: FRAME (consumer), ACK or RESULT (producer), END, ERROR, or a
    /// message of type <see cref="MessageType.None"/> when the peer closed. PING is answered and a consumer that
    /// negotiated ACK acknowledges each FRAME (PROTOCOL.md §10.1), both without waiting for the write. A protocol
    /// error is answered with ERROR before it is thrown. The message is valid until the next call.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Message> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_sharedIn?.TakeHeld() is >= 0 and int held)
        {
            _replies.Release(held); // the frame read last is done with
        }

        while (true)
        {
            Message message;
            try
            {
                message = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (message.IsConnectionClosed)
                {
                    _sharedOut?.Fail($"{Remote} closed the connection");
                    return _timedOut is null ? message : throw new ProtocolException(ErrorCode.Timeout, _timedOut);
                }

                MessageRules.CheckAfterOpening(message.Type, PeerHello.Role, Negotiated);
                switch (message.Type)
                {
                    case MessageType.Ring:
                        _sharedIn!.OnRing(message.ReadRing());
                        continue;
                    case MessageType.SharedFrame:
                        message = _sharedIn!.ToFrame(message);
                        break;
                    case MessageType.Release:
                        _sharedOut!.OnRelease(message.ReadRelease());
                        continue;
                }
            }
            catch (ProtocolException e)
            {
                // PROTOCOL.md §9: whoever detects an error tells the peer (but for a truncated stream: it is gone).
                _sharedOut?.Fail(e.Message);
                await SendErrorAsync(e.Code, e.Message).ConfigureAwait(false);
                throw;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _sharedOut?.Fail(e.Message);
                if (_timedOut is null)
                {
                    throw;
                }

                throw new ProtocolException(ErrorCode.Timeout, _timedOut);
            }

            switch (message.Type)
            {
                case MessageType.Ping:
                    _replies.Pong(message.PingToken);
                    continue;
                case MessageType.Pong:
                    Interlocked.Increment(ref _pongs);
                    continue;
                case MessageType.Frame when Negotiated.HasFlag(Capabilities.Ack):
                    // PROTOCOL.md §10.1: one ACK per FRAME, in the order read, as soon as it is whole.
                    _replies.Ack(message.Frame.StreamId, message.Frame.Sequence, UnixTime.NowNanoseconds());
                    break;
            }

            return message;
        }
    }

    /// <summary>
    /// Sends a frame; see <see cref="MessageWriter.WriteFrameAsync"/>. With shared memory negotiated the payload is
    /// copied into a free ring slot (waiting for one is the backpressure) and only its reference is sent. The memory
    /// may be reused when this ends.
    /// </summary>
    /// <exception cref="FrameTooLargeException">The frame's message would be longer than the peer accepts; nothing was sent.</exception>
    public ValueTask SendFrameAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (_sharedOut is { } shared && shared.Fits(payload.Length))
        {
            return shared.SendAsync(header, metadata, payload, cancellationToken);
        }

        long length = FrameHeader.MessageLength(metadata.Length, payload.Length);
        return length > PeerHello.MaxMessageLength
            ? throw new FrameTooLargeException(header.Sequence, length, PeerHello.MaxMessageLength)
            : _writer.WriteFrameAsync(header, metadata, payload, cancellationToken);
    }

    /// <summary>
    /// Zero-copy sending over shared memory: a ring slot for a payload of <paramref name="payloadLength"/> bytes, to
    /// write into and send (waiting for a free slot is the backpressure). Null when this connection does not use
    /// shared memory or the payload does not fit a slot: then write the frame with <see cref="SendFrameAsync"/>.
    /// </summary>
    public async ValueTask<FrameLoan?> LoanAsync(int payloadLength, CancellationToken cancellationToken = default) =>
        _sharedOut is { } shared && shared.Fits(payloadLength) ? await shared.LoanAsync(payloadLength, cancellationToken).ConfigureAwait(false) : null;

    public ValueTask SendPingAsync(ulong token, CancellationToken cancellationToken = default) => _writer.WritePingAsync(token, cancellationToken);

    /// <summary>A RESULT for a frame (PROTOCOL.md §10.2); allowed when both HELLOs set <see cref="Capabilities.Result"/>.</summary>
    public ValueTask SendResultAsync(ResultHeader header, ReadOnlyMemory<byte> result, CancellationToken cancellationToken = default) =>
        _writer.WriteResultAsync(header, result, cancellationToken);

    private void Opened(Hello peer)
    {
        PeerHello = peer;
        _writer.PeerMaxMessageLength = peer.MaxMessageLength;
        _input.ModelInputs = _writer.ModelInputs = Negotiated.HasFlag(Capabilities.ModelInputs);
        if (Negotiated.HasFlag(Capabilities.SharedMemory))
        {
            if (LocalHello.Role == PeerRole.Producer)
            {
                _sharedOut = new SharedMemoryProducer(_writer, _options.SharedMemorySlots, _options.SharedMemorySlotSize, peer.MaxMessageLength);
            }
            else
            {
                _sharedIn = new SharedMemoryConsumer();
            }
        }

        _liveness = LivenessWatch.Start(_options.IdleTimeout, TimeSpan.FromMilliseconds(PeerHello.IdleTimeoutMs), _input, _writer, OnIdleTimeoutAsync);
    }
}
