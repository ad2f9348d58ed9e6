using BenchmarkDotNet.Attributes;
using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;

namespace RawFrames.Bench.ProtocolBench;

/// <summary>
/// One raw 1080p frame from a producer's send to the consumer holding it, on one host, in one process with real
/// sockets: over a Unix socket, through shared memory with the payload copied in, and through shared memory with a
/// loaned slot the frame was written into (nothing copied). One frame at a time, so the time per operation is the
/// hop's latency with warm caches; the consumer reads nothing of the payload, as a sink that hands it on would.
/// </summary>
[BenchmarkCategory("protocol")]
public class TransportHopBenchmarks
{
    private const int Width = 1920;
    private const int Height = 1080;
    private readonly byte[] _payload = new byte[Width * Height * 3];
    private readonly List<IAsyncDisposable> _open = [];
    private FrameListener _listener = null!;
    private FrameConnection _unixProducer = null!;
    private FrameConnection _unixConsumer = null!;
    private FrameConnection _shmProducer = null!;
    private FrameConnection _shmConsumer = null!;
    private FrameHeader _header;
    private string _socket = "";

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_payload);
        _header = FrameHeader.ForRaw(PixelFormat.Bgr24, Width, Height, 0, streamId: 1, sequence: 0, timestampNs: 0);
        _socket = Path.Combine(Path.GetTempPath(), $"rawframes-hop-{Environment.ProcessId}.sock");
        _listener = FrameListener.StartAsync(FrameEndpoint.Parse($"unix://{_socket}")).GetAwaiter().GetResult();
        (_unixProducer, _unixConsumer) = Connect("unix");
        (_shmProducer, _shmConsumer) = Connect("shm");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (IAsyncDisposable connection in _open)
        {
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _listener.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<long> UnixSocket()
    {
        Task sending = _unixProducer.SendFrameAsync(_header, default, _payload).AsTask();
        Message message = await _unixConsumer.ReadAsync();
        await sending;
        return message.Payload.Length;
    }

    [Benchmark]
    public async Task<long> SharedMemoryCopiedIn()
    {
        await _shmProducer.SendFrameAsync(_header, default, _payload);
        return (await _shmConsumer.ReadAsync()).Payload.Length;
    }

    [Benchmark]
    public async Task<long> SharedMemoryLoaned()
    {
        using FrameLoan loan = (await _shmProducer.LoanAsync(_payload.Length))!; // a capture would have written into it
        await loan.SendAsync(_header);
        return (await _shmConsumer.ReadAsync()).Payload.Length;
    }

    private (FrameConnection Producer, FrameConnection Consumer) Connect(string scheme)
    {
        Task<FrameConnection> accepting = Task.Run(async () => await FrameConnection.AcceptAsync(
            await _listener.AcceptAsync(CancellationToken.None),
            new ConnectionOptions { Role = PeerRole.Consumer, Capabilities = Capabilities.SharedMemory }));
        FrameConnection producer = FrameConnection.ConnectAsync(FrameEndpoint.Parse($"{scheme}://{_socket}"),
            new ConnectionOptions { Role = PeerRole.Producer, SharedMemorySlotSize = _payload.Length }).GetAwaiter().GetResult();
        FrameConnection consumer = accepting.GetAwaiter().GetResult();
        _open.Add(producer);
        _open.Add(consumer);
        // The producer's side reads what comes back: RELEASE frees its slots.
        _ = Task.Run(async () =>
        {
            try
            {
                while (!(await producer.ReadAsync()).IsConnectionClosed)
                {
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
            }
        });
        return (producer, consumer);
    }
}
