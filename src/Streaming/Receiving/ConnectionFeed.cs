using RawFrames.Client;
using RawFrames.Streaming.Sinks;
using RawFrames.Streaming.Stats;
using RawFrames.Streaming.Streams;

namespace RawFrames.Streaming.Receiving;

/// <summary>
/// One sender's connection → the sinks, the same for the receiver and the relay: each frame under the stream id it is
/// known by here (producers kept apart, PROTOCOL.md §16), each stream's sequence followed for gaps, until the
/// connection ends; then what it delivered, stream by stream.
/// </summary>
/// <param name="keptApartAs">Ends the log line of a stream that had to take another id, e.g. "it is kept apart as stream 1".</param>
internal sealed class ConnectionFeed(StreamIds streamIds, SinkPipeline sinks, TransferTotals totals, Log log, FrameBudget? budget, bool clockSynced,
    Func<uint, string> keptApartAs)
{
    /// <param name="key">Tells this connection from the others that share <c>streamIds</c> (a relay has producers and an upstream).</param>
    public async Task<FeedResult> RunAsync(SenderConnection connection, long key)
    {
        var streams = new Dictionary<uint, SequenceTracker>();
        using ConnectionStreams ids = streamIds.ForConnection(key, (sent, given, heldBy) =>
            log.Info($"stream {sent} from {connection.Remote} is also sent by another producer (connection {heldBy}); {keptApartAs(given)}"));
        bool measureLatency = connection.SharesClock || clockSynced;
        await using (ConnectionSinks stages = sinks.ForConnection())
        {
            await foreach (ReceivedFrame frame in connection.ReadFramesAsync().ConfigureAwait(false))
            {
                if (budget?.TryTake() == false)
                {
                    continue;
                }

                uint sent = frame.StreamId;
                if (!streams.TryGetValue(sent, out SequenceTracker? tracker))
                {
                    streams[sent] = tracker = new SequenceTracker();
                }

                long skipped = tracker.Observe(frame.Sequence);
                if (skipped > 0)
                {
                    totals.AddGaps(skipped);
                }

                var header = frame.Header with { StreamId = ids[sent] };
                await stages.OnFrameAsync(new SinkFrame(connection.Id, connection.Remote, header, frame.Payload, frame.Metadata, measureLatency,
                    sinks.DecodesTo(header))).ConfigureAwait(false);
            }
        }

        sinks.OnStreamsEnded([.. ids.Known.Values]);
        ConnectionEnd end = connection.End!;
        return new FeedResult(end, [.. streams.Select(pair => new Dictionary<string, object?>
        {
            ["connection"] = connection.Id,
            ["remote"] = connection.Remote,
            ["stream_id"] = ids[pair.Key],
            ["sent_as"] = pair.Key,
            ["frames"] = pair.Value.Frames,
            ["first_sequence"] = pair.Value.First,
            ["last_sequence"] = pair.Value.Last,
            ["gaps"] = pair.Value.Gaps,
            ["backwards"] = pair.Value.Backwards,
            ["end"] = end.Reason,
        })]);
    }
}

/// <summary>How a connection ended, and each of its streams for the summary.</summary>
internal sealed record FeedResult(ConnectionEnd End, IReadOnlyList<IReadOnlyDictionary<string, object?>> Streams);
