namespace RawFrames.Protocol;

/// <summary>PROTOCOL.md §6: frame timestamps are nanoseconds since the Unix epoch (UTC) on the wall clock.</summary>
public static class UnixTime
{
    /// <summary>Now on this host's wall clock, nanoseconds since the Unix epoch (UTC): what a FRAME's timestamp holds.</summary>
    public static long NowNanoseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
