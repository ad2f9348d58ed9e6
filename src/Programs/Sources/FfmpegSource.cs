using System.Diagnostics;
using System.Globalization;
using RawFrames.Client;

namespace RawFrames.Programs.Sources;

/// <summary>
/// Any input ffmpeg reads (a video file, an RTSP URL, a V4L2 camera): ffprobe gives the geometry and rate, an ffmpeg
/// child decodes to raw frames on a pipe (bgr24, or full-range 4:2:0 for a codec that wants planes), and the child
/// ends with the source. A child that fails says why in the error, with the last lines it wrote.
/// </summary>
public static class FfmpegSource
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(20);

    /// <param name="input">What follows <c>-i</c>.</param>
    /// <param name="inputOptions">ffmpeg options placed before <c>-i</c>, e.g. <c>-rtsp_transport tcp</c> or <c>-stream_loop -1</c>.</param>
    /// <param name="pixelFormat"><see cref="PixelFormat.Bgr24"/> or <see cref="PixelFormat.J420"/>.</param>
    public static async Task<StreamFrameSource> OpenAsync(string input, IReadOnlyList<string> inputOptions, PixelFormat pixelFormat, int framesInFlight,
        Action<string> log, CancellationToken cancellationToken)
    {
        // A network input that stalls must end the read (so that a live source can be reopened), not hang it: ffmpeg's
        // I/O timeout, unless the user set one.
        if (input.Contains("://", StringComparison.Ordinal) && !inputOptions.Contains("-rw_timeout") && !inputOptions.Contains("-timeout"))
        {
            inputOptions = [.. inputOptions, "-rw_timeout", "5000000"];
        }

        (int width, int height, double fps) = await ProbeAsync(input, inputOptions, cancellationToken);
        string ffmpegFormat = pixelFormat switch
        {
            PixelFormat.Bgr24 => "bgr24",
            PixelFormat.J420 => "yuvj420p",
            _ => throw new ArgumentOutOfRangeException(nameof(pixelFormat), pixelFormat, "ffmpeg sources give bgr24 or J420"),
        };

        // -s keeps the frames at the probed size even if the input would change it (rotation, a mid-stream change).
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in (string[])["-hide_banner", "-loglevel", "error", "-nostdin", .. inputOptions, "-i", input,
                     "-map", "0:v:0", "-an", "-f", "rawvideo", "-pix_fmt", ffmpegFormat, "-s", $"{width}x{height}", "pipe:1"])
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Start(start);
        var child = new ChildProcess(process, log);
        log($"ffmpeg: {input}: {width}x{height} at {fps:0.###} fps, read as {ffmpegFormat} (pid {process.Id})");
        return new StreamFrameSource(process.StandardOutput.BaseStream, width, height, pixelFormat, fps, framesInFlight, $"ffmpeg ({input})", child, child.ExitProblem);
    }

    /// <summary>
    /// Width, height and frame rate of the first video stream. The input options go to ffprobe too (an RTSP transport
    /// matters there); those only ffmpeg knows (-stream_loop, -re) make ffprobe fail, and it is asked again without them.
    /// </summary>
    public static async Task<(int Width, int Height, double Fps)> ProbeAsync(string input, IReadOnlyList<string> inputOptions, CancellationToken cancellationToken)
    {
        try
        {
            return await ProbeOnceAsync(input, inputOptions, cancellationToken);
        }
        catch (IOException e) when (inputOptions.Count > 0 && e.Message.Contains("Option not found", StringComparison.Ordinal))
        {
            return await ProbeOnceAsync(input, [], cancellationToken);
        }
    }

    private static async Task<(int Width, int Height, double Fps)> ProbeOnceAsync(string input, IReadOnlyList<string> inputOptions, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["-v", "error", .. inputOptions, "-select_streams", "v:0",
                     "-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate", "-of", "default=noprint_wrappers=1", input])
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Start(start);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_probeTimeout);
        Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(output, errors);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new IOException($"ffprobe did not answer within {s_probeTimeout.TotalSeconds:0} s for {input}");
        }

        var fields = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0])
            .ToDictionary(group => group.Key, group => group.First()[1]);
        if (process.ExitCode != 0 || !fields.TryGetValue("width", out string? w) || !fields.TryGetValue("height", out string? h)
            || !int.TryParse(w, CultureInfo.InvariantCulture, out int width) || !int.TryParse(h, CultureInfo.InvariantCulture, out int height)
            || width < 1 || height < 1)
        {
            string why = (await errors).Trim();
            throw new IOException($"ffprobe found no video stream in {input}" + (why.Length > 0 ? $": {why}" : ""));
        }

        // A live source often has no average rate (0/0); its nominal rate is the next best.
        double fps = Rate(fields.GetValueOrDefault("avg_frame_rate")) is > 0 and var average ? average : Rate(fields.GetValueOrDefault("r_frame_rate"));
        return (width, height, fps is > 0 and < 1000 ? fps : 0);
    }

    private static double Rate(string? fraction)
    {
        string[] parts = (fraction ?? "").Split('/');
        return parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out double n)
            && double.TryParse(parts[1], CultureInfo.InvariantCulture, out double d) && d > 0 ? n / d : 0;
    }

    private static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new IOException($"{start.FileName} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"{start.FileName} cannot be run ({e.Message}); install it with: apt-get install -y ffmpeg", e);
        }
    }

    /// <summary>The ffmpeg child: its errors go to the log, and it is killed when the source is disposed.</summary>
    private sealed class ChildProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Queue<string> _lastLines = new();
        private readonly Task _forwarding;

        public ChildProcess(Process process, Action<string> log)
        {
            _process = process;
            _forwarding = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync() is { } line)
                {
                    log($"ffmpeg: {line}");
                    lock (_lastLines)
                    {
                        _lastLines.Enqueue(line);
                        if (_lastLines.Count > 3)
                        {
                            _lastLines.Dequeue();
                        }
                    }
                }
            });
        }

        /// <summary>At the end of its output: why ffmpeg stopped, if it failed, with the last lines it wrote.</summary>
        public string? ExitProblem()
        {
            if (!_process.WaitForExit(2000))
            {
                return null;
            }

            _forwarding.Wait(1000);
            if (_process.ExitCode == 0)
            {
                return null;
            }

            lock (_lastLines)
            {
                return $"ffmpeg exited with code {_process.ExitCode}" + (_lastLines.Count == 0 ? "" : $": {string.Join(" | ", _lastLines)}");
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                _process.WaitForExit(2000);
                _forwarding.Wait(1000);
            }
            catch (InvalidOperationException)
            {
                // Never started or already reaped.
            }

            _process.Dispose();
        }
    }
}
