namespace RawFrames.Programs.Cli;

/// <summary>The exit codes every program keeps (README, "Exit codes and the JSON summary").</summary>
public static class ExitCodes
{
    /// <summary>Done: the run ended as asked (a limit, the end of the source, the peer's END, Ctrl+C).</summary>
    public const int Done = 0;

    /// <summary>Failed at run time: a connection lost for good, a refusal, a protocol error, a source or disk that failed.</summary>
    public const int Failed = 1;

    /// <summary>Usage: a bad option or value, a missing file or folder; nothing was sent or received.</summary>
    public const int Usage = 2;
}
