using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RawFrames.Client.Logging;
using RawFrames.Protocol.Transport.Sockets;
using RawFrames.Protocol.Transport;

namespace RawFrames.Client.Connecting;

/// <summary>
/// The one accept loop: accepts on a listener, opens each peer with the given options (the token and TLS included)
/// on the thread pool, and hands out the connections that opened. At most <c>maxConnections</c> are served at once,
/// openings included, so idle or half-open peers cannot pile up; more are refused with ERROR ConnectionLimit. A peer
/// that connects and closes without a byte (a health check, a port scan) is counted as a probe, never as an error.
/// Used by the receiver (as consumer) and by the relay for its subscribers (as producer).
/// </summary>
internal sealed class ConnectionAcceptor : IAsyncDisposable
{
    private readonly FrameListener _listener;
    private readonly ConnectionOptions _options;
    private readonly int _maxConnections;
    private readonly string _limitName;
    private readonly ILogger _log;
    private readonly Channel<Admission> _opened = Channel.CreateUnbounded<Admission>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Task> _openings = new();
    private readonly Task _accepting;
    private const int MaxLoggedRefusals = 1000;
    private int _active;
    private long _probes;
    private long _refused;

    private ConnectionAcceptor(FrameListener listener, ConnectionOptions options, int maxConnections, string limitName, ILogger log)
    {
        _listener = listener;
        _options = options;
        _maxConnections = maxConnections;
        _limitName = limitName;
        _log = log;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Where it listens, with the port the system chose for port 0.</summary>
    public FrameEndpoint Endpoint => _listener.Endpoint;

    /// <summary>Connections that closed before sending a byte.</summary>
    public long Probes => Interlocked.Read(ref _probes);

    /// <summary>A peer that failed its opening or was over the limit, with the error it was refused with (null: lost).</summary>
    public Action<RefusedConnection>? Refused { get; set; }

    /// <param name="limitName">The setting that raises <paramref name="maxConnections"/>, named when a peer is refused.</param>
    /// <exception cref="IOException">The endpoint cannot be listened on (in use; a path that is not a stale socket).</exception>
    public static async Task<ConnectionAcceptor> StartAsync(FrameEndpoint endpoint, ConnectionOptions options, int maxConnections, string limitName, ILogger log,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        FrameListener listener;
        try
        {
            listener = await FrameListener.StartAsync(endpoint, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot listen on {endpoint}: {e.Message}", e);
        }

        return new ConnectionAcceptor(listener, options, maxConnections, limitName, log);
    }

    /// <summary>Every connection that opened, until <see cref="Stop"/>; dispose each one's admission when it ends.</summary>
    public IAsyncEnumerable<Admission> AcceptAllAsync(CancellationToken cancellationToken) => _opened.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Accepts no more; the sequence of <see cref="AcceptAllAsync"/> ends once the openings under way are done.</summary>
    public void Stop() => _stop.Cancel();

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _accepting.ConfigureAwait(false);
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        for (long id = 0; ; id++)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }

            long connection = id;
            _openings[connection] = Task.Run(async () =>
            {
                try
                {
                    await OpenAsync(socket, connection).ConfigureAwait(false);
                }
                finally
                {
                    _openings.TryRemove(connection, out _);
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(_openings.Values).ConfigureAwait(false);
        _opened.Writer.TryComplete();
    }

    private async Task OpenAsync(Socket socket, long id)
    {
        string peer = SocketTransport.Describe(socket);
        if (Interlocked.Increment(ref _active) > _maxConnections)
        {
            string reason = $"{_maxConnections} connections already ({_limitName})";
            Refuse(new RefusedConnection(peer, ErrorCode.ConnectionLimit, reason));
            await FrameConnection.RefuseAsync(socket, _options, ErrorCode.ConnectionLimit, $"this side serves at most {_maxConnections} connections at once")
                .ConfigureAwait(false);
            Interlocked.Decrement(ref _active);
            return;
        }

        try
        {
            FrameConnection connection = await FrameConnection.AcceptAsync(socket, _options, _stop.Token).ConfigureAwait(false);
            _opened.Writer.TryWrite(new Admission(this, connection, id));
            return;
        }
        catch (ProtocolException e) when (e.PeerSentNothing)
        {
            if (Interlocked.Increment(ref _probes) == 1)
            {
                ClientLog.FirstProbe(_log, e.Message);
            }
        }
        catch (ProtocolException e)
        {
            Refuse(new RefusedConnection(peer, e.Code, $"error {(uint)e.Code} {e.Code}: {e.Message}"));
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            Refuse(new RefusedConnection(peer, null, $"connection lost during the opening: {e.Message}"));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        Interlocked.Decrement(ref _active);
    }

    // A flood of bad peers must not become a flood of log lines: the first thousand, then one line per thousand.
    private void Refuse(RefusedConnection refused)
    {
        long count = Interlocked.Increment(ref _refused);
        if (count <= MaxLoggedRefusals)
        {
            ClientLog.Refused(_log, refused.Remote, refused.Reason);
        }
        else if (count % MaxLoggedRefusals == 0)
        {
            ClientLog.RefusedMany(_log, count, refused.Remote, refused.Reason);
        }

        Refused?.Invoke(refused);
    }

    /// <summary>One opened connection and its place among the <c>maxConnections</c>: dispose it when the connection has ended.</summary>
    internal sealed class Admission(ConnectionAcceptor owner, FrameConnection connection, long id) : IDisposable
    {
        private int _released;

        public FrameConnection Connection { get; } = connection;

        /// <summary>Numbers the connections accepted, from 0.</summary>
        public long Id { get; } = id;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref owner._active);
            }
        }
    }
}
