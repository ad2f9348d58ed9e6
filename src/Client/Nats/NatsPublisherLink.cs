using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using RawFrames.Protocol;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Nats;

/// <summary>
/// One publisher on a NATS subscription (PROTOCOL.md §19), seen as a producer of its own: its frames, in the order
/// NATS delivered them, then END once it has ended every subject it used. There is no way back to a publisher, so a
/// consumer's END or ERROR only ends this side (later frames of the publisher are dropped) and replies are refused.
/// </summary>
internal sealed class NatsPublisherLink : IFrameLink
{
    private readonly Channel<IncomingFrame> _frames;
    private readonly HashSet<string> _subjects = [];
    private IncomingFrame? _current;
    private readonly Action _onDropped;
    private volatile bool _ended;
    private volatile string? _gone;
    private long _lastMessage = Stopwatch.GetTimestamp();
    private int _closed;
    private int _endRead;

    /// <param name="latest">Only the newest frame waits for the reader (older ones dropped, counted); otherwise a frame
    /// or two wait and then the subscription is held up, where its lossless bound applies.</param>
    /// <param name="onDropped">Told of each frame superseded under latest.</param>
    public NatsPublisherLink(string publisher, string server, bool latest, Action onDropped)
    {
        _onDropped = onDropped;
        Publisher = publisher;
        Remote = $"nats publisher {(publisher.Length > 8 ? publisher[..8] : publisher)} via {server}";
        var options = new BoundedChannelOptions(latest ? 1 : 2)
        {
            SingleReader = true,
            SingleWriter = true,
            // The reader's loop goes on on the feeding thread when it waits for a frame: no thread switch per frame.
            AllowSynchronousContinuations = true,
            FullMode = latest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
        };
        _frames = Channel.CreateBounded<IncomingFrame>(options, superseded =>
        {
            superseded.Dispose();
            _onDropped();
        });
    }

    /// <summary>The publisher's RawFrames-Publisher id.</summary>
    public string Publisher { get; }

    public string Remote { get; }

    public string? PeerSoftware => null; // NATS carries no HELLO

    public string TransportName => "nats";

    public bool SharesClock => false; // another host, as far as this side knows

    public bool PeerReplays => false; // NATS messages carry no HELLO

    public Capabilities Negotiated => Capabilities.None;

    public bool EndSent => Volatile.Read(ref _closed) != 0;

    public string? PartialMessage => null; // NATS delivers whole messages or none

    /// <summary>The publisher ended every subject it used; its END is queued for the reader.</summary>
    public bool Ended => _ended;

    /// <summary>A message for this publisher, in NATS's order: false when this side has closed (the message is dropped).</summary>
    public async ValueTask<bool> DeliverAsync(NatsDelivery delivery, CancellationToken cancellationToken)
    {
        Heard();
        if (delivery.IsEnd)
        {
            // END takes no place in the queue, so it never displaces the newest frame.
            delivery.Frame.Dispose();
            _subjects.Remove(delivery.Subject);
            if (_subjects.Count == 0)
            {
                _ended = true;
                _frames.Writer.TryComplete();
            }

            return true;
        }

        _subjects.Add(delivery.Subject);
        try
        {
            await _frames.Writer.WriteAsync(delivery.Frame, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            delivery.Frame.Dispose();
            return false;
        }
    }

    /// <summary>Restarts the idle clock: a message came, or the subscription was held up and this silence is not the publisher's.</summary>
    public void Heard() => Volatile.Write(ref _lastMessage, Stopwatch.GetTimestamp());

    /// <summary>
    /// A publisher that vanished without END (its process killed, its host gone) is only frames that stop: after
    /// <paramref name="idleTimeout"/> without a message the reader gets what is queued, then the link is lost with
    /// that reason, as an idle TCP sender is. True when it expired now.
    /// </summary>
    public bool ExpireIfIdle(TimeSpan idleTimeout)
    {
        if (_ended || _gone is not null || Stopwatch.GetElapsedTime(Volatile.Read(ref _lastMessage)) <= idleTimeout)
        {
            return false;
        }

        _gone = $"no message from this publisher for {idleTimeout.TotalSeconds:0.###} s (idle timeout): it is gone, or NATS no longer delivers its subject";
        _frames.Writer.TryComplete();
        return true;
    }

    /// <summary>The subscription is over (this side stopped): the reader sees the link close after what is queued.</summary>
    public void Complete() => _frames.Writer.TryComplete();

    public async ValueTask<Message> ReadAsync(CancellationToken cancellationToken = default)
    {
        ReleaseCurrent(); // the previous message is valid until this read
        if (Volatile.Read(ref _closed) != 0)
        {
            return default; // this side closed: MessageType.None
        }

        if (await _frames.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _frames.Reader.TryRead(out IncomingFrame? frame))
        {
            _current = frame;
            return new Message(MessageType.Frame, default, frame.Header, new ReadOnlySequence<byte>(frame.Metadata), new ReadOnlySequence<byte>(frame.Payload));
        }

        // Every frame read: the publisher's END, once; the publisher gone quiet; or the subscription ended without END.
        if (_gone is { } gone)
        {
            throw new IOException(gone);
        }

        return Ended && Interlocked.Exchange(ref _endRead, 1) == 0 ? new Message(MessageType.End, default, default, default, default) : default;
    }

    /// <summary>Nothing reaches the publisher: this side stops reading it.</summary>
    public Task SendEndAsync()
    {
        Close();
        return Task.CompletedTask;
    }

    public Task SendErrorAsync(ErrorCode code, string reason)
    {
        Close();
        return Task.CompletedTask;
    }

    public ValueTask SendResultAsync(ResultHeader header, ReadOnlyMemory<byte> result, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException($"{Remote} publishes on NATS, which has no way back for RESULTs (PROTOCOL.md §19)");

    public void Abort() => Close();

    public ValueTask DisposeAsync()
    {
        Close();
        ReleaseCurrent();
        while (_frames.Reader.TryRead(out IncomingFrame? frame))
        {
            frame.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private void Close()
    {
        Volatile.Write(ref _closed, 1);
        _frames.Writer.TryComplete();
    }

    private void ReleaseCurrent()
    {
        _current?.Dispose();
        _current = null;
    }
}
