using System.Diagnostics;

namespace RawFrames.Bench.Content;

/// <summary>Paths inside the RawFrames checkout the bench runs from, and running its scripts.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Runs a script under scripts/ and returns its standard output, trimmed; throws with its errors when it fails.</summary>
    public static string RunScript(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path("scripts", script));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {script}");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/{script} failed ({process.ExitCode}): {errors.Result.Trim()}");
        }

        return output.Trim();
    }

    private static string FindRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = System.IO.Path.GetDirectoryName(directory))
        {
            if (File.Exists(System.IO.Path.Combine(directory, "RawFrames.sln")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException($"the bench must run from a RawFrames checkout (no RawFrames.sln above {AppContext.BaseDirectory})");
    }
}
