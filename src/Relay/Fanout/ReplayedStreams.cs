using System.Collections.Concurrent;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// Which of the relay's streams come from a producer replaying a recording (PROTOCOL.md §18, HELLO option 4): noted
/// as their frames are published, so that the browser view, which sees them through the server, says "replay" and
/// shows no latency from recorded times.
/// </summary>
internal sealed class ReplayedStreams
{
    private readonly ConcurrentDictionary<uint, bool> _replay = new();

    public void Note(uint streamId, bool replay)
    {
        if (replay || _replay.ContainsKey(streamId))
        {
            _replay[streamId] = replay;
        }
    }

    public bool IsReplay(uint streamId) => _replay.TryGetValue(streamId, out bool replay) && replay;
}
