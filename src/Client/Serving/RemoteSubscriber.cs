using System.Net.Sockets;
using RawFrames.Client.Sending;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Serving;

/// <summary>
/// One consumer connected to a <see cref="FrameServer"/>: its subscription (HELLO option 3), its queue, and the task
/// that sends what the queue gives it through a producer session (the library's, as for any sender: what the
/// subscriber sends back, END, ERROR or the connection lost, ends it). Everything slow about a subscriber happens on
/// its own task, so publishing never waits for it.
/// </summary>
internal sealed class RemoteSubscriber : ServedSubscriber
{
    private static readonly TimeSpan s_overflowGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_endWait = TimeSpan.FromSeconds(1);
    private readonly FrameConnection _connection;
    private readonly Transcoder _transcoder;
    private readonly Action<FrameResult>? _onResult;
    private readonly bool _modelInputs;

    /// <param name="onResult">The subscriber's RESULTs (e.g. a model's detections), when the server takes them.</param>
    public RemoteSubscriber(long id, FrameConnection connection, Subscription subscription, int defaultQueue, QueueBudget budget, Transcoder transcoder,
        Action<FrameResult>? onResult)
        : base(id, connection.Remote, connection.TransportName, subscription.Policy, subscription.WhenFull, subscription.Codec, subscription.StreamId,
            new SubscriberQueue(subscription.Policy, subscription.QueueFrames > 0 ? subscription.QueueFrames : defaultQueue, subscription.WhenFull, budget))
    {
        _connection = connection;
        _modelInputs = connection.Negotiated.HasFlag(Capabilities.ModelInputs);
        _transcoder = transcoder;
        _onResult = onResult;
    }

    /// <summary>
    /// The send loop says TooSlow as soon as its frame in progress is out; a subscriber that stopped reading keeps that
    /// write blocked, so after a grace period the connection is cut instead (no ERROR can pass a stalled socket).
    /// </summary>
    internal override void OnOverflow() => _ = Task.Run(async () =>
    {
        await Task.Delay(s_overflowGrace).ConfigureAwait(false);
        if (Ended is null)
        {
            _connection.Abort();
        }
    });

    /// <summary>Sends queued frames until the server stops, the subscriber leaves, or it overflows its lossless queue.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var session = new ProducerSession(_connection, acks: null, onResult: _onResult);
        await using (session.ConfigureAwait(false))
        {
            // The subscriber's END, ERROR or the connection lost ends the queue, and so the send loop, between two frames.
            using CancellationTokenRegistration ended = session.Ended.Register(Queue.Complete);
            try
            {
                await SendAsync(session, stop).ConfigureAwait(false);
                Ended = session.End is { } end ? Describe(end) : "the server stopped";
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Ended = session.End is { } end ? Describe(end) : $"connection lost: {e.Message}";
            }
            catch (OperationCanceledException)
            {
                Ended = "the server stopped";
            }
            finally
            {
                Queue.Complete();
                if (Queue.Overflowed)
                {
                    Ended = $"too slow: its lossless queue was full ({Queue.FullBy.Describe(Queue)})";
                    await session.FailAsync(ErrorCode.TooSlow, $"the queue for this subscriber was full ({Queue.FullBy.Describe(Queue)}): read faster, subscribe with a larger queue, or subscribe to the latest frame only").ConfigureAwait(false);
                }
                else if (session.End is null or { Kind: SenderEndKind.ReceiverEnded })
                {
                    // PROTOCOL.md §4.2: our END answers the subscriber's, or tells it the server has no more frames.
                    await session.EndAsync(s_endWait).ConfigureAwait(false);
                }

                Queue.Dispose();
            }
        }
    }

    private async Task SendAsync(ProducerSession session, CancellationToken stop)
    {
        while (await Queue.TakeAsync(stop).ConfigureAwait(false) is { } frame)
        {
            try
            {
                if (session.End is not null)
                {
                    return;
                }

                (FrameHeader header, ReadOnlyMemory<byte> payload) = frame.As(Codec, _transcoder);
                if (!_modelInputs && header.IsModelInput)
                {
                    CountUnreadable(); // PROTOCOL.md §7.2: it did not announce MODEL_INPUTS
                    continue;
                }

                await session.SendAsync(header, frame.Metadata, payload, reply: null, stop).ConfigureAwait(false);
                Count(payload.Length);
            }
            finally
            {
                frame.Release();
            }
        }
    }

    private static string Describe(SenderEnd end) => end.Kind == SenderEndKind.ReceiverEnded ? "end of subscription" : end.Reason;
}
