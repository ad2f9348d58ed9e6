namespace RawFrames.Protocol;

/// <summary>PROTOCOL.md §6: frame timestamps are nanoseconds since the Unix epoch (UTC) on the wall clock.</summary>
internal static class UnixTime
{
    public static long NowNanoseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
