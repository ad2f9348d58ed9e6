using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace RawFrames.Client;

/// <summary>Sizes shared by every <see cref="OrderedWorkers{TItem}"/>.</summary>
public static class OrderedWorkers
{
    /// <summary>Items in the pool: the most that can be rented at once, so the most inputs a caller must keep valid.</summary>
    public static int PoolSize(int workerCount, int depth) => (workerCount * depth * 2) + 1;
}

/// <summary>
/// Runs a per-worker function on items in parallel and hands them back in the order they were submitted. Item k goes
/// to worker k mod N and results are collected from the workers in the same rotation, so order holds by construction:
/// a slow item delays the ones after it, nothing is reordered or lost. Every queue has one reader and one writer, so
/// steady state allocates nothing. Each worker has its own state (e.g. a codec handle, which is not thread-safe).
/// </summary>
public sealed class OrderedWorkers<TItem> : IAsyncDisposable
    where TItem : class
{
    private readonly Channel<TItem>[] _inputs;
    private readonly Channel<TItem>[] _outputs;
    private readonly Task[] _workers;
    private readonly Channel<TItem>? _pool;
    private long _submitted;
    private long _received;

    /// <param name="workerCount">Items processed at once.</param>
    /// <param name="depth">Items queued per worker; submit waits when the worker's queue is full.</param>
    /// <param name="createWorker">Called once per worker, on that worker's task: returns the function it applies to each item.</param>
    public OrderedWorkers(int workerCount, int depth, Func<int, Action<TItem>> createWorker)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentNullException.ThrowIfNull(createWorker);
        var options = new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true };
        _inputs = Enumerable.Range(0, workerCount).Select(_ => Channel.CreateBounded<TItem>(options)).ToArray();
        _outputs = Enumerable.Range(0, workerCount).Select(_ => Channel.CreateBounded<TItem>(options)).ToArray();
        _workers = Enumerable.Range(0, workerCount).Select(i => Task.Run(() => RunWorkerAsync(i, createWorker))).ToArray();
    }

    /// <summary>
    /// The same, with a pool of reusable items (enough to keep every worker busy with its queue full while as many wait to
    /// be received): <see cref="RentAsync"/> hands one out, <see cref="Return"/> takes it back, so items and their
    /// buffers are allocated once.
    /// </summary>
    public OrderedWorkers(int workerCount, int depth, Func<int, Action<TItem>> createWorker, Func<TItem> createItem)
        : this(workerCount, depth, createWorker)
    {
        ArgumentNullException.ThrowIfNull(createItem);
        int items = OrderedWorkers.PoolSize(workerCount, depth);
        _pool = Channel.CreateBounded<TItem>(new BoundedChannelOptions(items) { SingleReader = true, SingleWriter = true });
        for (int i = 0; i < items; i++)
        {
            _pool.Writer.TryWrite(createItem());
        }
    }

    /// <summary>Items processed at once.</summary>
    public int WorkerCount => _inputs.Length;

    /// <summary>A pooled item to fill and submit; waits while every item is in use (backpressure). One caller at a time.</summary>
    /// <exception cref="OperationCanceledException">The pipeline was aborted (<see cref="Abort"/>).</exception>
    public ValueTask<TItem> RentAsync() =>
        (_pool ?? throw new InvalidOperationException("this instance was created without an item pool")).Reader.ReadAsync();

    /// <summary>Gives a received item back to the pool. One caller at a time.</summary>
    public void Return(TItem item) => _pool?.Writer.TryWrite(item);

    /// <summary>Queues an item; waits while its worker's queue is full. One caller at a time.</summary>
    /// <exception cref="OperationCanceledException">The pipeline was aborted (<see cref="Abort"/>).</exception>
    public ValueTask SubmitAsync(TItem item) => _inputs[_submitted++ % _inputs.Length].Writer.WriteAsync(item);

    /// <summary>The next item in submission order, once its worker is done with it; one caller at a time.</summary>
    /// <exception cref="Exception">What the worker's function threw for this item.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TItem> ReceiveAsync()
    {
        try
        {
            return await _outputs[_received++ % _outputs.Length].Reader.ReadAsync().ConfigureAwait(false);
        }
        catch (ChannelClosedException closed) when (closed.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(closed.InnerException);
            throw;
        }
    }

    /// <summary>Items submitted and not yet received.</summary>
    public long InFlight => _submitted - _received;

    // Nothing here takes a CancellationToken: a bounded channel reuses one wait object per reader and writer only for
    // uncancellable waits and allocates one per wait otherwise, i.e. per frame whenever the pipeline is busy. Abort is
    // the cancellation: it completes the channels with an OperationCanceledException, which channels rethrow as is.

    /// <summary>
    /// Ends the pipeline now: waiting and later rents and submissions throw <see cref="OperationCanceledException"/>,
    /// workers stop after their current item, and receivers see the cancellation.
    /// </summary>
    public void Abort()
    {
        var aborted = new OperationCanceledException("the pipeline was aborted");
        _pool?.Writer.TryComplete(aborted);
        foreach (Channel<TItem> input in _inputs)
        {
            input.Writer.TryComplete(aborted);
        }
    }

    /// <summary>No more items; workers finish what they have.</summary>
    public void Complete()
    {
        foreach (Channel<TItem> input in _inputs)
        {
            input.Writer.TryComplete();
        }
    }

    /// <summary>Ends the workers (after what was submitted, or at once after <see cref="Abort"/>), within ten seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        // Also wakes a producer still waiting to rent or submit when the consumer has given up.
        Abort();
        foreach (Channel<TItem> output in _outputs)
        {
            while (output.Reader.TryRead(out _))
            {
                // Unreceived results are dropped so that workers blocked on a full output queue can finish.
            }
        }

        try
        {
            await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or ChannelClosedException)
        {
            // A worker stuck in user code is abandoned; the process is ending this pipeline anyway.
        }
    }

    private async Task RunWorkerAsync(int index, Func<int, Action<TItem>> createWorker)
    {
        ChannelWriter<TItem> output = _outputs[index].Writer;
        try
        {
            Action<TItem> process = createWorker(index);
            await foreach (TItem item in _inputs[index].Reader.ReadAllAsync().ConfigureAwait(false))
            {
                process(item);
                await output.WriteAsync(item).ConfigureAwait(false);
            }

            output.TryComplete();
        }
        catch (Exception e)
        {
            // The receiver of this worker's next result sees the failure instead of waiting forever.
            output.TryComplete(e);
        }
    }
}
