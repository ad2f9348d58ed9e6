using System.Globalization;
using System.Text.Json;
using RawFrames.Bench.Content;
using RawFrames.Bench.Scenarios;

namespace RawFrames.Bench.ModelInputs;

/// <summary>
/// Model-ready frames end to end, as processes on this machine, the same JPEG sent over and over by a Python producer
/// (bench/baselines/model_pipelines.py) that costs little CPU. The receiving side's CPU per frame, without a model:
/// the best plain-socket Python consumer (socket + cv2 pipeline) against rawframes-recv --model. Model-ready frames per
/// second with a stand-in model: the same Python consumer against rawframes-relay --model --batch N serving a Python
/// subscriber over shared memory, where the receiving side is the relay and the subscriber together.
/// </summary>
internal static class PipelineComparison
{
    public sealed record Row(string Measure, string Way, double Fps, double ReceivingCpuMs, string Note);

    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(3);
    private static string Script => Repository.Path("bench", "baselines", "model_pipelines.py");

    public static async Task<List<Row>> RunAsync(ModelInputSample sample, int size, int batch, double modelMs, TimeSpan duration)
    {
        string model = $"{size}x{size}";
        string cpu = "receiving CPU, no model";
        string fps = $"model-ready fps, batch {batch}, stand-in model {modelMs.ToString(CultureInfo.InvariantCulture)} ms/image";
        var rows = new List<Row>
        {
            await Cv2PipelineAsync(sample, model, 1, -1, reduced: false, duration) with { Measure = cpu },
            await Cv2PipelineAsync(sample, model, 1, -1, reduced: true, duration) with { Measure = cpu },
            await ReceiverAsync(sample, model, duration) with { Measure = cpu },
            await Cv2PipelineAsync(sample, model, batch, modelMs, reduced: false, duration) with { Measure = fps },
            await Cv2PipelineAsync(sample, model, batch, modelMs, reduced: true, duration) with { Measure = fps },
            await RelayAsync(sample, model, batch, modelMs, duration) with { Measure = fps },
        };
        return rows;
    }

    private static async Task<Row> Cv2PipelineAsync(ModelInputSample sample, string model, int batch, double modelMs, bool reduced, TimeSpan duration)
    {
        int port = ScenarioRunner.FreePort();
        List<string> arguments = [Script, "cv2", Text(port), model, Text(batch), Text(modelMs)];
        if (reduced)
        {
            arguments.Add("--reduced");
        }

        using ChildProcess consumer = ChildProcess.Start("/usr/bin/python3", arguments);
        await consumer.WaitForStderrAsync("listening", s_limit);
        using ChildProcess producer = Produce("plain", Text(port), sample, duration);
        await producer.SummaryAsync(s_limit);
        JsonElement result = await consumer.SummaryAsync(s_limit);
        return new Row("", reduced ? "Python socket + cv2 pipeline with IMREAD_REDUCED_COLOR_2" : "Python socket + cv2 pipeline",
            result.GetProperty("fps").GetDouble(), result.GetProperty("cpu_ms_per_frame").GetDouble(), "one process");
    }

    private static async Task<Row> ReceiverAsync(ModelInputSample sample, string model, TimeSpan duration)
    {
        string endpoint = $"tcp://127.0.0.1:{ScenarioRunner.FreePort()}";
        using ChildProcess receiver = ChildProcess.Start(ScenarioRunner.ProgramPath("Receiver", "rawframes-recv"),
            ["--listen", endpoint, "--once", "--model", model, "--json", "--quiet"]);
        using ChildProcess producer = Produce("rawframes", endpoint, sample, duration);
        await producer.SummaryAsync(s_limit);
        JsonElement result = await receiver.SummaryAsync(s_limit);
        return new Row("", "rawframes-recv --model", result.GetProperty("fps").GetDouble(), result.GetProperty("cpu_ms_per_frame").GetDouble(),
            "one process, decoding on every core");
    }

    private static async Task<Row> RelayAsync(ModelInputSample sample, string model, int batch, double modelMs, TimeSpan duration)
    {
        string producers = $"tcp://127.0.0.1:{ScenarioRunner.FreePort()}";
        string socket = Path.Combine(Path.GetTempPath(), $"rawframes-bench-model-{Environment.ProcessId}.sock");
        using ChildProcess relay = ChildProcess.Start(ScenarioRunner.ProgramPath("Relay", "rawframes-relay"),
            ["--listen", producers, "--serve", $"unix://{socket}", "--model", model, "--batch", Text(batch), "--once", "--json", "--quiet"]);
        using ChildProcess consumer = ChildProcess.Start("/usr/bin/python3", [Script, "rawframes", $"shm://{socket}", Text(batch), Text(modelMs)]);
        await relay.WaitForStderrAsync("subscriber 1:", s_limit);
        using ChildProcess producer = Produce("rawframes", producers, sample, duration);
        await producer.SummaryAsync(s_limit);
        JsonElement relayed = await relay.SummaryAsync(s_limit);
        JsonElement consumed = await consumer.SummaryAsync(s_limit);
        JsonElement subscription = relayed.GetProperty("subscriptions")[0];
        long dropped = subscription.GetProperty("dropped").GetInt64() * batch;
        double perFrame = relayed.GetProperty("cpu_ms_per_frame").GetDouble() * relayed.GetProperty("frames").GetInt64() / Math.Max(1, consumed.GetProperty("frames").GetInt64())
            + consumed.GetProperty("cpu_ms_per_frame").GetDouble();
        return new Row("", $"rawframes-relay --model --batch {batch} -> Python subscriber (shared memory)", consumed.GetProperty("fps").GetDouble(), perFrame,
            $"relay {relayed.GetProperty("cpu_ms_per_frame").GetDouble():0.00} + Python {consumed.GetProperty("cpu_ms_per_frame").GetDouble():0.00} ms per frame; "
            + $"the relay served {relayed.GetProperty("fps").GetDouble():0} fps and dropped about {dropped} frames the subscriber was too slow for (latest policy)");
    }

    private static ChildProcess Produce(string mode, string target, ModelInputSample sample, TimeSpan duration) =>
        ChildProcess.Start("/usr/bin/python3", [Script, "produce", mode, target, Text(duration.TotalSeconds), sample.File]);

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
