using RawFrames.Client;
using RawFrames.Programs.Sinks;
using RawFrames.Programs.Stats;
using RawFrames.Programs.Streams;

namespace RawFrames.Programs.Receiving;

/// <summary>
/// One sender's frames → the sinks, the same for the receiver and the relay, whatever carried them (a connection, or a
/// NATS publisher, which the session layer presents as a connection too): each frame under the stream id it is known by here (producers kept apart, PROTOCOL.md §16), each
/// stream's sequence followed for gaps, until the sender ends; then what it delivered, stream by stream.
/// </summary>
/// <param name="keptApartAs">Ends the log line of a stream that had to take another id, e.g. "it is kept apart as stream 1".</param>
public sealed class ConnectionFeed(StreamIds streamIds, SinkPipeline sinks, TransferTotals totals, Log log, FrameBudget? budget, bool clockSynced,
    Func<uint, string> keptApartAs)
{
    private readonly StreamIds _streamIds = streamIds;
    private readonly SinkPipeline _sinks = sinks;
    private readonly TransferTotals _totals = totals;
    private readonly Log _log = log;
    private readonly FrameBudget? _budget = budget;
    private readonly Func<uint, string> _keptApartAs = keptApartAs;

    /// <param name="key">Tells this connection from the others that share <c>streamIds</c> (a relay has producers and an upstream).</param>
    public async Task<FeedResult> RunAsync(SenderConnection connection, long key)
    {
        FeedSession session = Open(key, connection.Id, connection.Remote, connection.SharesClock, connection.IsReplay);
        try
        {
            await foreach (ReceivedFrame frame in connection.ReadFramesAsync().ConfigureAwait(false))
            {
                await session.OnFrameAsync(frame.Info, frame.Payload, frame.Metadata).ConfigureAwait(false);
            }
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        return session.Result(connection.End!);
    }

    // A replay's timestamps are the recording's: no latency is measured against them, whatever the clocks.
    private FeedSession Open(long key, long connectionId, string remote, bool sharesClock, bool replay) =>
        new(this, key, connectionId, remote, (sharesClock || clockSynced) && !replay, replay);

    /// <summary>One sender's way through the feed: frames in, then dispose, then <see cref="Result"/>.</summary>
    private sealed class FeedSession : IAsyncDisposable
    {
        private readonly ConnectionFeed _feed;
        private readonly Dictionary<uint, SequenceTracker> _streams = [];
        private readonly ConnectionStreams _ids;
        private readonly ConnectionSinks _stages;
        private readonly long _connectionId;
        private readonly string _remote;
        private readonly bool _measureLatency;
        private readonly bool _replay;
        private bool _disposed;

        internal FeedSession(ConnectionFeed feed, long key, long connectionId, string remote, bool measureLatency, bool replay)
        {
            (_feed, _connectionId, _remote, _measureLatency, _replay) = (feed, connectionId, remote, measureLatency, replay);
            _ids = feed._streamIds.ForConnection(key, (sent, given, heldBy) =>
                feed._log.Info($"stream {sent} from {remote} is also sent by another producer (connection {heldBy}); {feed._keptApartAs(given)}"));
            _stages = feed._sinks.ForConnection();
        }

        public async ValueTask OnFrameAsync(FrameInfo header, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> metadata)
        {
            if (_feed._budget?.TryTake() == false)
            {
                return;
            }

            uint sent = header.StreamId;
            if (!_streams.TryGetValue(sent, out SequenceTracker? tracker))
            {
                _streams[sent] = tracker = new SequenceTracker();
            }

            long skipped = tracker.Observe(header.Sequence);
            if (skipped > 0)
            {
                _feed._totals.AddGaps(skipped);
            }

            FrameInfo known = header with { StreamId = _ids[sent] };
            await _stages.OnFrameAsync(new SinkFrame(_connectionId, _remote, known, payload, metadata, _measureLatency, _feed._sinks.DecodesTo(known)) { Replay = _replay })
                .ConfigureAwait(false);
        }

        /// <summary>Waits until every frame reached the sinks, tells them the streams ended, and frees the stream ids.</summary>
        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _stages.DisposeAsync().ConfigureAwait(false);
            _feed._sinks.OnStreamsEnded([.. _ids.Known.Values]);
            _ids.Dispose();
        }

        /// <summary>Each stream this sender delivered, for the summary.</summary>
        public FeedResult Result(ConnectionEnd end) => new(end, [.. _streams.Select(pair => new Dictionary<string, object?>
        {
            ["connection"] = _connectionId,
            ["remote"] = _remote,
            ["stream_id"] = _ids.Known.GetValueOrDefault(pair.Key, pair.Key),
            ["sent_as"] = pair.Key,
            ["frames"] = pair.Value.Frames,
            ["first_sequence"] = pair.Value.First,
            ["last_sequence"] = pair.Value.Last,
            ["gaps"] = pair.Value.Gaps,
            ["backwards"] = pair.Value.Backwards,
            ["replay"] = _replay,
            ["end"] = end.Reason,
        })]);
    }
}

/// <summary>How a connection ended, and each of its streams for the summary.</summary>
public sealed record FeedResult(ConnectionEnd End, IReadOnlyList<IReadOnlyDictionary<string, object?>> Streams);
