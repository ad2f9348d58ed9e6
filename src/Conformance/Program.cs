using System.Text.Json;
using RawFrames.Conformance;

// rawframes-conformance: tests an implementation of PROTOCOL.md from outside, as Autobahn's testsuite does for
// WebSocket: every golden vector is played to the implementation listening as a consumer, and its answers are judged.
const string Usage = """
    usage: rawframes-conformance --consumer ENDPOINT [--vectors DIR] [--only NAME[,NAME...]] [--timeout SECONDS] [--json PATH]
           rawframes-conformance --producer-listen ENDPOINT [--producer-command CMD] [...]

      --consumer ENDPOINT  tcp://HOST:PORT or unix:///PATH where the implementation under test listens as a consumer
                           (receiver). It must serve one connection after another: each case is a connection of its own.
      --producer-listen ENDPOINT
                           the kit listens there as a consumer; the implementation under test connects as a producer and
                           sends a finite stream of the Appendix A pattern ending with END (the first case), then connects
                           once per producer vector
      --producer-command CMD
                           starts the producer for each case (/bin/sh -c CMD, {endpoint} replaced by where to connect);
                           without it, the vector cases wait for the producer to connect again
      --vectors DIR        the golden vectors (NAME.bin + NAME.json); default: the ones shipped beside this program
      --only NAMES         run only these cases
      --timeout SECONDS    how long one case may take before it fails (default 5)
      --json PATH          also write the report as JSON

    Prints one line per case (PASS, FAIL with what was wrong, SKIP with why the case does not apply to the implementation.s
    settings) and ends with "conformance: N/M cases passed" (M counts the cases that applied); exits 0 only when all passed.
    """;

string? consumer = null, producerListen = null, producerCommand = null, vectorsFolder = Path.Combine(AppContext.BaseDirectory, "vectors"), jsonPath = null;
HashSet<string>? only = null;
double timeoutSeconds = 5;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--consumer": consumer = Value(); break;
            case "--producer-listen": producerListen = Value(); break;
            case "--producer-command": producerCommand = Value(); break;
            case "--vectors": vectorsFolder = Value(); break;
            case "--only": only = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
            case "--json": jsonPath = Value(); break;
            case "--timeout":
                string text = Value();
                timeoutSeconds = double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out double seconds) && seconds > 0
                    ? seconds
                    : throw new FormatException($"--timeout '{text}': expected a number of seconds above 0");
                break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new FormatException($"unknown argument '{args[i]}'");
        }
    }

    if ((consumer is null) == (producerListen is null))
    {
        throw new FormatException("say what to test: --consumer tcp://HOST:PORT (an implementation listening as a consumer) or --producer-listen tcp://HOST:PORT (one connecting as a producer)");
    }

    var results = new List<CaseResult>();
    void Report(CaseResult result)
    {
        results.Add(result);
        Console.WriteLine($"{result.Verdict switch { CaseVerdict.Passed => "PASS", CaseVerdict.Failed => "FAIL", _ => "SKIP" }} {result.Name}: {result.Detail}");
    }

    bool Wanted(string name) => only is null || only.Contains(name);
    TimeSpan timeout = TimeSpan.FromSeconds(timeoutSeconds);
    if (consumer is not null)
    {
        var run = new ConsumerRun(ConsumerRun.ParseEndpoint(consumer), timeout);
        IReadOnlyList<ConsumerVector> vectors = ConsumerVector.LoadAll(vectorsFolder);
        CheckOnly(only, [.. vectors.Select(v => v.Name), "liveness-ping", "shared-memory-frame"], vectorsFolder);
        (uint MaxMessageLength, uint Capabilities) settings = await run.LearnSettingsAsync(CancellationToken.None);
        Console.WriteLine($"consumer at {consumer}: maximum message length {settings.MaxMessageLength}, capabilities 0x{settings.Capabilities:X}");
        foreach (ConsumerVector vector in vectors.Where(v => Wanted(v.Name)))
        {
            Report(await run.RunAsync(vector, settings, CancellationToken.None));
        }

        if (Wanted("liveness-ping"))
        {
            Report(await run.LivenessAsync(CancellationToken.None));
        }

        if (Wanted("shared-memory-frame"))
        {
            Report(await run.SharedMemoryAsync(settings, CancellationToken.None));
        }
    }
    else
    {
        System.Net.EndPoint address = ConsumerRun.ParseEndpoint(producerListen!);
        using var listener = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream,
            address is System.Net.Sockets.UnixDomainSocketEndPoint ? System.Net.Sockets.ProtocolType.Unspecified : System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            listener.Bind(address);
            listener.Listen();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IOException($"cannot listen on {producerListen}: {e.Message}", e);
        }

        string bound = listener.LocalEndPoint is System.Net.IPEndPoint ip ? $"tcp://{ip}" : producerListen!;
        Console.WriteLine($"listening on {bound} for the producer under test");
        var run = new ProducerRun(listener, bound, producerCommand, timeout);
        IReadOnlyList<ProducerVector> vectors = ProducerVector.LoadAll(Path.Combine(vectorsFolder, "producer"));
        CheckOnly(only, ["producer-pattern", .. vectors.Select(v => v.Name)], vectorsFolder);
        if (Wanted("producer-pattern"))
        {
            Report(await run.PatternAsync(CancellationToken.None));
        }

        foreach (ProducerVector vector in vectors.Where(v => Wanted(v.Name)))
        {
            Report(await run.VectorAsync(vector, CancellationToken.None));
        }
    }

    int applied = results.Count(r => r.Verdict != CaseVerdict.Skipped), passed = results.Count(r => r.Verdict == CaseVerdict.Passed);
    if (jsonPath is not null)
    {
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(new
        {
            tested = consumer ?? producerListen,
            passed,
            failed = applied - passed,
            skipped = results.Count - applied,
            cases = results.Select(r => new { name = r.Name, verdict = r.Verdict.ToString().ToLowerInvariant(), detail = r.Detail }),
        }, new JsonSerializerOptions { WriteIndented = true }));
    }

    Console.WriteLine($"skipped: {results.Count - applied} cases that do not apply to the settings of the implementation under test");
    Console.WriteLine($"conformance: {passed}/{applied} cases passed");
    return passed == applied ? 0 : 1;
}
catch (Exception e) when (e is FormatException or IOException or JsonException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"rawframes-conformance: {e.Message}");
    if (e is FormatException)
    {
        Console.Error.WriteLine(Usage);
    }

    return 2;
}

static void CheckOnly(HashSet<string>? only, IEnumerable<string> names, string folder)
{
    if (only is not null && names.ToHashSet() is var known && only.FirstOrDefault(name => !known.Contains(name)) is { } unknown)
    {
        throw new FormatException($"--only: no case named '{unknown}' among the vectors in {folder}");
    }
}
