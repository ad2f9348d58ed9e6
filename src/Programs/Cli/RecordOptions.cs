using System.CommandLine;
using RawFrames.Client;
using RawFrames.Programs.Stats;

namespace RawFrames.Programs.Cli;

/// <summary>The --record options rawframes-recv and rawframes-relay share, and what they add to the summary.</summary>
public sealed class RecordOptions
{
    private readonly Option<string?> _path = new("--record") { Description = "Record every frame of every stream to this file (PROTOCOL.md §18; .rfrec by convention), never over an existing file; replay with rawframes-send --source replay:PATH" };
    private readonly Option<double?> _maxMegabytes = NumberOption.Optional("--record-max-mb", "With --record: start a new file (PATH-2, PATH-3, ...) at this size in MB", 1.0, 1e9);
    private readonly Option<double?> _maxSeconds = NumberOption.Optional("--record-max-seconds", "With --record: start a new file after this many seconds", 1.0, 1e9);

    public IEnumerable<Option> All => [_path, _maxMegabytes, _maxSeconds];

    /// <summary>What the options ask for, or null without --record.</summary>
    /// <exception cref="FormatException">A --record-max-* without --record.</exception>
    public RecordSettings? Parse(ParseResult parsed)
    {
        if (parsed.GetValue(_path) is not { } path)
        {
            return parsed.GetValue(_maxMegabytes) is not null || parsed.GetValue(_maxSeconds) is not null
                ? throw new FormatException("--record-max-mb and --record-max-seconds need --record PATH")
                : null;
        }

        return new RecordSettings(Path.GetFullPath(path), (long)((parsed.GetValue(_maxMegabytes) ?? 0) * 1_000_000),
            TimeSpan.FromSeconds(parsed.GetValue(_maxSeconds) ?? 0));
    }

    public static RunSummary AddTo(RunSummary summary, RecordingSink? recorder) => recorder is null ? summary : summary
        .Add("recorded", recorder.Frames)
        .Add("record_results", recorder.Results)
        .Add("record_bytes", recorder.Bytes)
        .Add("record_dropped", recorder.Dropped)
        .Add("record_dropped_sequences", recorder.DroppedSequences)
        .Add("record_files", recorder.Files)
        .Add("record_error", recorder.Failure);
}

/// <summary>--record PATH with its rotation limits (0: none).</summary>
public sealed record RecordSettings(string Path, long MaxBytes, TimeSpan MaxDuration)
{
    /// <summary>Starts the recorder, its first file made.</summary>
    /// <exception cref="RunFailedException">A usage error: the file exists or cannot be made.</exception>
    public RecordingSink Start(Log log)
    {
        try
        {
            return RecordingSink.Start(Path, MaxBytes, MaxDuration, log.Factory.CreateLogger("record"));
        }
        catch (IOException e)
        {
            throw RunFailedException.Usage($"--record {e.Message}");
        }
    }
}
