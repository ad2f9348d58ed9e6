namespace RawFrames.Programs.Streams;

/// <summary>
/// Keeps the streams of different producers apart (PROTOCOL.md §16, "Two producers, one stream id"): a producer's
/// stream keeps its id unless another connection's live stream already has it; then it gets the lowest id no live
/// stream uses, for as long as its connection lasts. Every sink of a receiver or relay uses these ids, so two
/// senders left at the default stream id 0 are saved, shown and relayed as two streams, never merged into one.
/// </summary>
public sealed class StreamIds
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, (long Connection, uint Sent)> _owners = [];

    /// <summary>The streams of one connection: looked up per frame without a lock, assigned on first sight.</summary>
    /// <param name="onMoved">Told when a stream had to take another id: (id as sent, id given, the connection holding the id as sent).</param>
    public ConnectionStreams ForConnection(long connection, Action<uint, uint, long>? onMoved = null) => new(this, connection, onMoved);

    internal uint Assign(long connection, uint sent, out long heldBy)
    {
        lock (_lock)
        {
            if (!_owners.TryGetValue(sent, out (long Connection, uint Sent) owner))
            {
                _owners[sent] = (connection, sent);
                heldBy = connection;
                return sent;
            }

            heldBy = owner.Connection;
            uint id = 0;
            while (_owners.ContainsKey(id))
            {
                id++;
            }

            _owners[id] = (connection, sent);
            return id;
        }
    }

    internal void Release(long connection)
    {
        lock (_lock)
        {
            foreach (uint id in _owners.Where(pair => pair.Value.Connection == connection).Select(pair => pair.Key).ToList())
            {
                _owners.Remove(id);
            }
        }
    }
}
