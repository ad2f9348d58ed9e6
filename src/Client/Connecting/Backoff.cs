namespace RawFrames.Client;

/// <summary>
/// How long to wait before connecting again: 50 ms, doubling up to 1 s. Short enough that a restarted peer is found
/// within about a second, long enough that a peer that is down costs nothing. Shared by every side that reconnects.
/// </summary>
public struct Backoff
{
    /// <summary>The first delay.</summary>
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(50);
    /// <summary>The longest delay.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    private TimeSpan _next;

    /// <summary>The delay the next <see cref="Next"/> returns.</summary>
    public readonly TimeSpan Current => _next == TimeSpan.Zero ? First : _next;

    /// <summary>The delay to wait now; the one after it is twice as long, up to <see cref="Max"/>.</summary>
    public TimeSpan Next()
    {
        TimeSpan delay = Current;
        _next = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Max.Ticks));
        return delay;
    }

    /// <summary>After a success: start again from <see cref="First"/>.</summary>
    public void Reset() => _next = TimeSpan.Zero;
}
