using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RawFrames.Tests.Support;

/// <summary>Runs rawframes-send or rawframes-recv as built next to these tests, capturing its output line by line.</summary>
internal sealed partial class ProgramProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProgramProcess(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stdout.Enqueue(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            _stderr.Enqueue(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                _listening.TrySetResult(match.Groups[1].Value);
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stderr => string.Join('\n', _stderr);

    /// <summary>The lines the program wrote to stdout so far.</summary>
    public IReadOnlyList<string> StdoutLines => [.. _stdout];

    public bool HasExited => _process.HasExited;

    /// <summary>A memory figure of the running program from /proc: VmRSS (resident now) or VmHWM (the peak), in bytes.</summary>
    public long MemoryBytes(string field = "VmRSS")
    {
        string line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>The frame count in the newest live stats line ("... frames N ..."), 0 before the first.</summary>
    public long LastLiveFrames() =>
        _stderr.Reverse().Select(line => LiveFrames().Match(line)).FirstOrDefault(match => match.Success) is { } found
            ? long.Parse(found.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    public static ProgramProcess Start(string program, params string[] arguments) => new(Locate(program), arguments);

    /// <summary>Runs the program under a wrapper command, e.g. <c>ip netns exec NS</c>.</summary>
    public static ProgramProcess StartWrapped(string[] wrapper, string program, params string[] arguments) =>
        new(wrapper[0], [.. wrapper[1..], Locate(program), .. arguments]);

    /// <summary>
    /// Runs the program with its stdout piped into a shell command (e.g. <c>ffmpeg ... -i -</c>); the exit code is the
    /// program's, and its stderr (where the JSON summary goes with --stdout) is captured as usual.
    /// </summary>
    public static ProgramProcess StartPiped(string program, string pipeInto, params string[] arguments) =>
        new("/bin/bash", ["-c", $"\"$0\" \"$@\" | {pipeInto}; exit ${{PIPESTATUS[0]}}", Locate(program), .. arguments]);

    /// <summary>Runs the program with a shell command's output (e.g. <c>cat frames.bgr</c>) as its stdin; the exit code is the program's.</summary>
    public static ProgramProcess StartFed(string feedFrom, string program, params string[] arguments) =>
        new("/bin/bash", ["-c", $"{feedFrom} | \"$0\" \"$@\"; exit ${{PIPESTATUS[1]}}", Locate(program), .. arguments]);

    /// <summary>The endpoint a receiver printed in its "listening on" line (with the port the system chose).</summary>
    public async Task<string> ListeningEndpointAsync() => await _listening.Task.WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>The browser view's address once the program (run with --http) says it ("browser view on URL").</summary>
    public async Task<string> BrowserViewUrlAsync()
    {
        await WaitUntilSaidAsync("browser view on ");
        return BrowserViewLine().Match(Stderr).Groups[1].Value;
    }

    /// <summary>Waits for exit (bounded) and returns the exit code, for runs that print no summary.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_process.StartInfo.FileName} did not exit in time; stderr:\n{Stderr}");
        }

        _process.WaitForExit(); // drain the redirected output
        return _process.ExitCode;
    }

    /// <summary>Waits for exit (bounded) and returns the exit code and the JSON summary line.</summary>
    public async Task<(int ExitCode, JsonElement Summary)> WaitForSummaryAsync(TimeSpan? timeout = null)
    {
        await WaitForExitAsync(timeout);
        // On stdout, or on stderr when stdout carries frames (--stdout).
        string? json = _stdout.LastOrDefault(line => line.StartsWith('{')) ?? _stderr.LastOrDefault(line => line.StartsWith('{'));
        if (json is null)
        {
            throw new InvalidOperationException($"{_process.StartInfo.FileName} printed no JSON summary (exit {_process.ExitCode}); stderr:\n{Stderr}");
        }

        using JsonDocument document = JsonDocument.Parse(json);
        return (_process.ExitCode, document.RootElement.Clone());
    }

    /// <summary>Sends a signal (TERM, STOP, CONT, ...) to the program with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-s", name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>Whether a line the program wrote to stderr so far contains <paramref name="text"/>.</summary>
    public bool Said(string text) => _stderr.Any(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>Polls (bounded: 30 s) until the program has said <paramref name="text"/>, and fails the test if it never does.</summary>
    public Task WaitUntilSaidAsync(string text) => WaitUntilAsync(() => Said(text), $"{Path.GetFileName(_process.StartInfo.FileName)} says '{text}'");

    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to 30 s; fails the test with <paramref name="what"/> if it stays false.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (int i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        condition().Should().BeTrue($"{what} within 30 s");
    }

    public int Id => _process.Id;

    /// <summary>SIGKILL, as a crash or a power cut looks to the peer: no END, no ERROR.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    /// <summary>Where a program of this repository is built, for a command line that starts it itself.</summary>
    public static string PathOf(string program) => Locate(program);

    private static string Locate(string program)
    {
        // tests/bin/<Configuration>/<tfm>/ → src/<Project>/bin/<Configuration>/<tfm>/<program>
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = here.Name;
        string configuration = here.Parent!.Name;
        DirectoryInfo root = here;
        while (!File.Exists(Path.Combine(root.FullName, "RawFrames.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("RawFrames.sln not found above the test output");
        }

        if (program == "rawframes-bench")
        {
            string bench = Path.Combine(root.FullName, "bench", "bin", configuration, tfm, program);
            return File.Exists(bench) ? bench : throw new FileNotFoundException($"{program} is not built at {bench}");
        }

        string project = program switch
        {
            "rawframes-send" => "Sender",
            "rawframes-relay" => "Relay",
            "rawframes-conformance" => "Conformance",
            _ => "Receiver",
        };
        string path = Path.Combine(root.FullName, "src", project, "bin", configuration, tfm, program);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{program} is not built at {path}");
    }

    [GeneratedRegex(@" frames (\d+) ")]
    private static partial Regex LiveFrames();

    [GeneratedRegex(@"browser view on (\S+)")]
    private static partial Regex BrowserViewLine();

    [GeneratedRegex(@"listening on (\S+)")]
    private static partial Regex ListeningLine();
}
