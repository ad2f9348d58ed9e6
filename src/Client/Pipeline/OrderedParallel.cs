using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace RawFrames.Client.Pipeline;

/// <summary>
/// Runs an asynchronous function on up to N items of a sequence at once and yields the results in the sequence's
/// order. Items that finish early are held (at most <c>window</c> items are in flight or held) until every item before
/// them is yielded: nothing is reordered, dropped or run twice. Reading the source runs beside the yielding, so a
/// finished item is delivered even while the source waits for its next one.
/// </summary>
internal static class OrderedParallel
{
    /// <param name="parallelism">Items the function runs on at once.</param>
    /// <param name="window">Items started but not yet yielded; at least <paramref name="parallelism"/>. When it is full, reading waits for the oldest.</param>
    public static async IAsyncEnumerable<(T Item, TResult Result)> SelectInOrderAsync<T, TResult>(this IAsyncEnumerable<T> source,
        Func<T, CancellationToken, ValueTask<TResult>> work, int parallelism, int window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, parallelism);

        // One item is held by the reader while it waits for room and one by the consumer while it is yielded.
        var started = Channel.CreateBounded<(T Item, Task<TResult> Result)>(new BoundedChannelOptions(Math.Max(1, window - 2)) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(parallelism, parallelism);
        Task reading = Task.Run(async () =>
        {
            try
            {
                await foreach (T item in source.WithCancellation(stop.Token).ConfigureAwait(false))
                {
                    await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                    await started.Writer.WriteAsync((item, RunAsync(item)), stop.Token).ConfigureAwait(false);
                }

                started.Writer.TryComplete();
            }
            catch (Exception e)
            {
                started.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach ((T item, Task<TResult> result) in started.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                yield return (item, await result.ConfigureAwait(false));
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reading.ConfigureAwait(false);
        }

        // On the thread pool, so that a function that blocks before its first await still runs beside the others.
        Task<TResult> RunAsync(T item) => Task.Run(async () =>
        {
            try
            {
                return await work(item, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }, CancellationToken.None);
    }
}
