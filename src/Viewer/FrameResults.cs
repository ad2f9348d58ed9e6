using System.Diagnostics;

namespace RawFrames.Viewer;

/// <summary>
/// RESULTs a stream's subscribers sent for its frames (a model's detections, PROTOCOL.md §10.2 and §20), kept by
/// sequence number so the page draws each on the frame it names. While results are coming (one in the last two
/// seconds), a viewer holds a frame back until its result is in, for at most the budget; a frame shown without its
/// result is counted, and the page says so.
/// </summary>
public sealed class FrameResults(TimeSpan budget)
{
    private const int Kept = 256;
    private static readonly TimeSpan s_expectedFor = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, byte[]> _bySequence = []; // guarded by _lock
    private readonly Queue<ulong> _order = new(); // guarded by _lock
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously); // guarded by _lock
    private long _lastArrival;
    private long _received;
    private long _shownWith;
    private long _shownWithout;

    /// <summary>How long a frame is held back for its result.</summary>
    public TimeSpan Budget { get; } = budget;

    /// <summary>Results received so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>A result came in the last two seconds: the next frames' are likely on their way.</summary>
    public bool Expected => Volatile.Read(ref _lastArrival) is var at and not 0 && Stopwatch.GetElapsedTime(at) < s_expectedFor;

    /// <summary>Takes the JSON result for frame <paramref name="sequence"/>; the oldest are forgotten beyond 256.</summary>
    public void Add(ulong sequence, byte[] json)
    {
        TaskCompletionSource arrived;
        lock (_lock)
        {
            if (_bySequence.TryAdd(sequence, json))
            {
                _order.Enqueue(sequence);
                while (_order.Count > Kept)
                {
                    _bySequence.Remove(_order.Dequeue());
                }
            }

            (arrived, _arrived) = (_arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        Volatile.Write(ref _lastArrival, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _received);
        arrived.TrySetResult();
    }

    /// <summary>
    /// Frame <paramref name="sequence"/>'s result: at once when it is in or none is expected, else when it comes
    /// within the budget. Null when there is none; a frame shown without the result it was expected to have is counted.
    /// </summary>
    public async Task<byte[]?> ForFrameAsync(ulong sequence, CancellationToken cancellationToken)
    {
        bool expected = Expected;
        long deadline = Stopwatch.GetTimestamp() + (long)(Budget.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (_bySequence.TryGetValue(sequence, out byte[]? json))
                {
                    Interlocked.Increment(ref _shownWith);
                    return json;
                }

                arrived = _arrived.Task;
            }

            TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (!expected || left <= TimeSpan.Zero)
            {
                if (expected)
                {
                    Interlocked.Increment(ref _shownWithout);
                }

                return null;
            }

            try
            {
                await arrived.WaitAsync(left, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // the budget is spent: decided on the next turn
            }
        }
    }

    public object ToState() => new
    {
        received = Interlocked.Read(ref _received),
        budget_ms = Budget.TotalMilliseconds,
        shown_with_result = Interlocked.Read(ref _shownWith),
        shown_without_result = Interlocked.Read(ref _shownWithout),
    };
}
