namespace RawFrames.Programs.Streams;

/// <summary>
/// One connection's view of <see cref="StreamIds"/>: the id each of its streams is known by. Used by that connection's
/// task only; dispose it when the connection ends, which frees its ids.
/// </summary>
public sealed class ConnectionStreams : IDisposable
{
    private readonly StreamIds _ids;
    private readonly long _connection;
    private readonly Action<uint, uint, long>? _onMoved;
    private readonly Dictionary<uint, uint> _known = [];
    private (uint Sent, uint Id)? _last;

    internal ConnectionStreams(StreamIds ids, long connection, Action<uint, uint, long>? onMoved)
    {
        _ids = ids;
        _connection = connection;
        _onMoved = onMoved;
    }

    /// <summary>The id a stream sent as <paramref name="sent"/> on this connection is known by.</summary>
    public uint this[uint sent]
    {
        get
        {
            if (_last is { } last && last.Sent == sent)
            {
                return last.Id;
            }

            if (!_known.TryGetValue(sent, out uint id))
            {
                _known[sent] = id = _ids.Assign(_connection, sent, out long heldBy);
                if (id != sent)
                {
                    _onMoved?.Invoke(sent, id, heldBy);
                }
            }

            _last = (sent, id);
            return id;
        }
    }

    /// <summary>The ids this connection's streams are known by, as sent → as known.</summary>
    public IReadOnlyDictionary<uint, uint> Known => _known;

    public void Dispose() => _ids.Release(_connection);
}
