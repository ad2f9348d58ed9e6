using System.Numerics;
using RawFrames.Protocol.Buffers;
using Microsoft.Extensions.Logging;
using RawFrames.Client.Logging;

namespace RawFrames.Client.Serving;

/// <summary>
/// Where served frames' buffers come from: pages outside the GC heap (<see cref="PageBuffer"/>), kept for reuse up to
/// a few idle buffers of a size. A burst (a stalled lossless subscriber queued hundreds of frames, then left or caught
/// up) frees what it took as its frames are done, beyond those few; once the burst is over the idle ones go too, so the
/// server's resident memory returns to its level before the burst instead of staying at its peak.
/// </summary>
internal sealed class FrameBuffers
{
    /// <summary>A burst worth giving back: at least this much was queued.</summary>
    private const long BurstBytes = 64 * QueueBudget.Mebibyte;
    private const int IdlePerSize = 8;
    private static readonly TimeSpan s_checkEvery = TimeSpan.FromSeconds(1);

    private readonly Dictionary<int, Stack<PageBuffer>> _idle = [];
    private readonly Lock _lock = new();

    /// <summary>Times memory was given back after a burst.</summary>
    public int GivenBack { get; private set; }

    /// <summary>A buffer of at least <paramref name="length"/> bytes; give it back with <see cref="Return"/>.</summary>
    public PageBuffer Rent(int length)
    {
        int size = SizeFor(length);
        lock (_lock)
        {
            if (_idle.TryGetValue(size, out Stack<PageBuffer>? idle) && idle.TryPop(out PageBuffer? buffer))
            {
                return buffer;
            }
        }

        return new PageBuffer(size);
    }

    /// <summary>Keeps the buffer for the next frame of its size, or frees it when enough are idle.</summary>
    public void Return(PageBuffer buffer)
    {
        lock (_lock)
        {
            if (!_idle.TryGetValue(buffer.Length, out Stack<PageBuffer>? idle))
            {
                _idle[buffer.Length] = idle = new Stack<PageBuffer>(IdlePerSize);
            }

            if (idle.Count < IdlePerSize)
            {
                idle.Push(buffer);
                return;
            }
        }

        ((IDisposable)buffer).Dispose();
    }

    /// <summary>
    /// Once a second: when the queued bytes have fallen to a quarter of a peak of at least 64 MiB, the burst is over,
    /// and the idle buffers are freed. Runs until cancelled.
    /// </summary>
    public async Task GiveBackAfterBurstsAsync(QueueBudget budget, ILogger log, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(s_checkEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                long peak = budget.Peak;
                if (peak >= BurstBytes && budget.Queued <= peak / 4)
                {
                    long freed = FreeIdle();
                    budget.ResetPeak();
                    GivenBack++;
                    ClientLog.GaveMemoryBack(log, peak / QueueBudget.Mebibyte, budget.Queued / QueueBudget.Mebibyte, freed / QueueBudget.Mebibyte);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The server stopped.
        }
    }

    private long FreeIdle()
    {
        List<PageBuffer> freed = [];
        lock (_lock)
        {
            foreach (Stack<PageBuffer> idle in _idle.Values)
            {
                freed.AddRange(idle);
                idle.Clear();
            }
        }

        foreach (PageBuffer buffer in freed)
        {
            ((IDisposable)buffer).Dispose();
        }

        return freed.Sum(buffer => (long)buffer.Length);
    }

    // Sizes in eighths of a power of two (at most 12.5 % more than asked), at least a page: frames of one stream share
    // a size, and compressed frames of similar sizes share buffers.
    private static int SizeFor(int length)
    {
        int at = Math.Max(length, 4096);
        int step = Math.Max(4096, (int)BitOperations.RoundUpToPowerOf2((uint)at) / 16);
        return checked((at + step - 1) / step * step);
    }
}
