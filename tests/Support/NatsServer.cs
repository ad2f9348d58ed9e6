using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace RawFrames.Tests.Support;

/// <summary>
/// A real nats-server (Debian's) on loopback, from a configuration file of its own: client port, max_payload, an
/// optional token, an optional cluster with routes to the others, and a monitoring port to see routes and interest.
/// </summary>
internal sealed class NatsServer : IDisposable
{
    private readonly string _config;
    private Process? _process;
    private readonly List<string> _log = [];
    private TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NatsServer(string config, int port, int clusterPort, int monitorPort)
    {
        (_config, Port, ClusterPort, MonitorPort) = (config, port, clusterPort, monitorPort);
    }

    public int Port { get; }

    public int ClusterPort { get; }

    public int MonitorPort { get; }

    public string Url(string subject, string? credentials = null) => $"nats://{credentials}{(credentials is null ? "" : "@")}127.0.0.1:{Port}/{subject}";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Starts a server; with <paramref name="routes"/> it joins a cluster of those cluster ports; <paramref name="settings"/> are more lines of its configuration (authorization, operator).</summary>
    public static async Task<NatsServer> StartAsync(string directory, long maxPayload = 8 << 20, string? token = null, IReadOnlyList<int>? routes = null,
        int? clusterPort = null, (string Certificate, string Key)? tls = null, string? settings = null)
    {
        // A free port can be taken by another test between choosing it and the server binding it: then the server
        // exits saying so, and it is started again on fresh ports.
        for (int attempt = 1; ; attempt++)
        {
            NatsServer server = await ConfigureAsync(directory, maxPayload, token, routes, clusterPort, tls, settings);
            try
            {
                await server.RunAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && server.Log.Contains("address already in use", StringComparison.Ordinal))
            {
                server.Dispose();
            }
        }
    }

    private static async Task<NatsServer> ConfigureAsync(string directory, long maxPayload, string? token, IReadOnlyList<int>? routes, int? clusterPort,
        (string Certificate, string Key)? tls, string? settings)
    {
        int port = LoopbackPorts.Free();
        int monitor = LoopbackPorts.Free();
        int cluster = clusterPort ?? LoopbackPorts.Free();
        string config = Path.Combine(directory, $"nats-{port}.conf");
        string text = $"listen: 127.0.0.1:{port}\nhttp: 127.0.0.1:{monitor}\nmax_payload: {maxPayload}\n";
        if (token is not null)
        {
            text += $"authorization {{ token: \"{token}\" }}\n";
        }

        if (tls is { } files)
        {
            text += $"tls {{ cert_file: \"{files.Certificate}\", key_file: \"{files.Key}\" }}\n";
        }

        if (settings is not null)
        {
            text += settings + "\n";
        }

        if (routes is not null)
        {
            text += $"cluster {{ name: rawframes, listen: 127.0.0.1:{cluster}, routes: [{string.Join(", ", routes.Select(r => $"nats-route://127.0.0.1:{r}"))}] }}\n";
        }

        await File.WriteAllTextAsync(config, text);
        return new NatsServer(config, port, cluster, monitor);
    }

    /// <summary>Starts the server again with the same configuration (after <see cref="Kill"/>).</summary>
    public Task RestartAsync() => RunAsync();

    /// <summary>SIGKILL: a crash, no goodbye to clients or routes.</summary>
    public void Kill()
    {
        _process?.Kill();
        _process?.WaitForExit();
    }

    /// <summary>Waits until this server has logged <paramref name="count"/> route connections to the others.</summary>
    public Task WaitForRoutesAsync(int count) => WaitForLogAsync(log => log.Split('\n').Count(line => line.Contains("Route connection created", StringComparison.Ordinal)) >= count,
        $"{count} routes");

    /// <summary>
    /// Waits until this server knows of <paramref name="count"/> subscriptions (its own clients' and, in a cluster, the
    /// others'). Nothing is logged when interest arrives over a route, so the monitoring page is read until it says so;
    /// each read is the wait for the next.
    /// </summary>
    public async Task WaitForSubscriptionsAsync(int count)
    {
        using var http = new HttpClient();
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        long seen = -1;
        while (DateTime.UtcNow < deadline)
        {
            JsonElement state = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{MonitorPort}/subsz");
            if ((seen = state.GetProperty("num_subscriptions").GetInt64()) >= count)
            {
                return;
            }
        }

        seen.Should().BeGreaterThanOrEqualTo(count, $"nats-server on {Port}: subscriptions within 30 s");
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }

    private async Task RunAsync()
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = new ProcessStartInfo("nats-server", ["-c", _config]) { RedirectStandardError = true, RedirectStandardOutput = true } };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_log)
            {
                _log.Add(e.Data);
                Interlocked.Exchange(ref _logged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }

            if (e.Data.Contains("Server is ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        // Ready, or gone (a port taken, a bad configuration): then its log says why.
        Task exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited).WaitAsync(TimeSpan.FromSeconds(30)) == exited && !ready.Task.IsCompleted)
        {
            throw new InvalidOperationException($"nats-server -c {_config} exited before it was ready; its log:\n{Log}");
        }
    }

    // Waits for log lines until the condition holds: each new line is the event that may satisfy it.
    private async Task WaitForLogAsync(Func<string, bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task next;
            lock (_log)
            {
                next = _logged.Task;
            }

            if (condition(Log))
            {
                return;
            }

            try
            {
                await next.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                condition(Log).Should().BeTrue($"nats-server on {Port}: {what} within 30 s; its log:\n{Log}");
                return;
            }
        }
    }
}
