using RawFrames.Client;
using RawFrames.Client.Connecting;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Relay.Fanout;

namespace RawFrames.Relay;

/// <summary>The relay's subscribers: accepted on each --serve endpoint, each one a hub subscriber with its own session.</summary>
internal sealed partial class RelayRun
{
    private async Task ServeSubscribersAsync(ConnectionAcceptor acceptor, Transcoder transcoder)
    {
        var serving = new List<Task>();
        await foreach (ConnectionAcceptor.Admission admission in acceptor.AcceptAllAsync(CancellationToken.None))
        {
            serving.Add(ServeSubscriberAsync(admission, transcoder));
        }

        await Task.WhenAll(serving);
    }

    // A subscriber's RESULT (e.g. a model's detections): recorded with --record, drawn by the browser view with --http.
    private void OnResult(FrameResult result)
    {
        _recorder?.OnResult(result);
        if (result.IsJson)
        {
            _viewer?.OnResult(result.StreamId, result.Sequence, result.Data);
        }
    }

    private async Task ServeSubscriberAsync(ConnectionAcceptor.Admission admission, Transcoder transcoder)
    {
        using (admission)
        {
            FrameConnection connection = admission.Connection;
            Subscription subscription = connection.PeerHello.Subscription ?? Subscription.Default;
            var subscriber = new Subscriber(Interlocked.Increment(ref _subscriberIds), connection, subscription, options.Queue, options.QueueBudget, transcoder, OnResult);
            IReadOnlyDictionary<string, object?> state = subscriber.ToState();
            _hub.Add(subscriber); // before the log line, so that a script that waits for the line misses no frame
            _log.Info($"subscriber {subscriber.Id}: {connection.Remote} over {connection.TransportName}, {state["policy"]}"
                + (subscription.Policy == DeliveryPolicy.Lossless
                    ? $" (queue {subscriber.Queue.Capacity} frames or {subscriber.Queue.MaxBytes / QueueBudget.Mebibyte} MiB, whichever comes first, when full: {state["when_full"]})"
                    : "")
                + $", {state["codec"]}");
            try
            {
                await subscriber.RunAsync(_stopServing.Token);
            }
            finally
            {
                _hub.Remove(subscriber);
                _log.Info($"subscriber {subscriber.Id} ended: {subscriber.Ended} ({subscriber.Queue.Offered} offered, {subscriber.ToState()["sent"]} sent, {subscriber.Queue.Dropped} dropped)");
            }
        }
    }
}
