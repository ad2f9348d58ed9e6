using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace RawFrames.Bench.Scenarios;

/// <summary>
/// A program run by a scenario: standard output is kept (the last line is the program's JSON summary), standard
/// error is kept for the failure message, and a process that outlives its time limit is killed.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private readonly string _name;

    private ChildProcess(string file, IEnumerable<string> arguments)
    {
        _name = Path.GetFileName(file);
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_errors, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static ChildProcess Start(string file, IEnumerable<string> arguments) => new(file, arguments);

    /// <summary>The bench executable itself in a baseline role (see Baselines.BaselineRoles).</summary>
    public static ChildProcess StartRole(IEnumerable<string> arguments) =>
        new(Environment.ProcessPath ?? throw new InvalidOperationException("no process path"), arguments);

    /// <summary>Waits until standard error has a line containing <paramref name="text"/> (e.g. a relay's "subscriber 1:").</summary>
    public async Task WaitForStderrAsync(string text, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        while (true)
        {
            lock (_errors)
            {
                if (_errors.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_name} exited with {_process.ExitCode} before saying '{text}': {Tail(_errors)}");
            }

            try
            {
                await Task.Delay(10, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_name} did not say '{text}' within {limit.TotalSeconds:0} s: {Tail(_errors)}");
            }
        }
    }

    /// <summary>Waits for the exit and returns the JSON summary, the last line of standard output.</summary>
    public async Task<JsonElement> SummaryAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_name} ran past {limit.TotalSeconds:0} s: {Tail(_errors)}");
        }

        _process.WaitForExit(); // drains the asynchronous output readers
        string? last;
        lock (_output)
        {
            last = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        }

        if (last is null || !last.TrimStart().StartsWith('{'))
        {
            throw new InvalidOperationException($"{_name} exited with {_process.ExitCode} and no JSON summary: {Tail(_errors)}");
        }

        using JsonDocument document = JsonDocument.Parse(last);
        return document.RootElement.Clone();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.Append(line).Append('\n');
        }
    }

    private static string Tail(StringBuilder builder)
    {
        lock (builder)
        {
            string text = builder.ToString().Trim();
            return text.Length > 600 ? text[^600..] : text;
        }
    }
}
