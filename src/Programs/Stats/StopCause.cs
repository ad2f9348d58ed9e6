namespace RawFrames.Programs.Stats;

/// <summary>What ended a sending run: the summary's <c>stopped_by</c>.</summary>
public enum StopCause
{
    /// <summary>Ctrl+C or SIGTERM (or nothing else ended it).</summary>
    Signal,

    /// <summary>--frames were sent.</summary>
    Frames,

    /// <summary>--duration passed.</summary>
    Duration,

    /// <summary>The source ended (the end of a file or a pipe).</summary>
    Source,

    /// <summary>The source failed; the frames before it were still ended cleanly.</summary>
    SourceError,

    /// <summary>The receiver asked for no more frames (its END).</summary>
    Receiver,

    /// <summary>The stream failed: refused, lost, or a protocol fault on either side.</summary>
    Error,
}

public static class StopCauseNames
{
    /// <summary>The name the summary prints.</summary>
    public static string Name(this StopCause cause) => cause switch
    {
        StopCause.Signal => "signal",
        StopCause.Frames => "frames",
        StopCause.Duration => "duration",
        StopCause.Source => "source",
        StopCause.SourceError => "source error",
        StopCause.Receiver => "receiver",
        _ => "error",
    };
}
