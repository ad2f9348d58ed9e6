namespace RawFrames.Programs.Cli;

/// <summary>
/// Ends a program's run with one line in the user's words and an exit code (<see cref="ExitCodes"/>); the run's
/// summary is still printed, with the message as its <c>error</c>.
/// </summary>
public sealed class RunFailedException : Exception
{
    public RunFailedException(string message, int exitCode = ExitCodes.Failed) : base(message) => ExitCode = exitCode;

    public RunFailedException(string message, Exception inner, int exitCode = ExitCodes.Failed) : base(message, inner) => ExitCode = exitCode;

    public RunFailedException() : this("the run failed")
    {
    }

    public RunFailedException(string message) : this(message, ExitCodes.Failed)
    {
    }

    public RunFailedException(string message, Exception inner) : this(message, inner, ExitCodes.Failed)
    {
    }

    public int ExitCode { get; }

    /// <summary>A usage error: a bad option value, a missing file or folder.</summary>
    public static RunFailedException Usage(string message) => new(message, ExitCodes.Usage);
}
