using System.Threading.Tasks.Sources;

namespace RawFrames.Client;

/// <summary>
/// A reusable one-shot signal: a connection's reader waits on it until the application is done with the frame it
/// handed out. Reset before each wait, so it allocates nothing per frame (a TaskCompletionSource would).
/// </summary>
internal sealed class Baton : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _armed;

    /// <summary>A task that ends at the next <see cref="Pass"/>.</summary>
    public ValueTask WaitAsync()
    {
        _core.Reset();
        Volatile.Write(ref _armed, 1);
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Ends the current wait; does nothing when nobody waits or it was already passed.</summary>
    public void Pass()
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _core.SetResult(true);
        }
    }

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
