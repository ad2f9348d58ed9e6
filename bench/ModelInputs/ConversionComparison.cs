using System.Text.Json;
using RawFrames.Bench.Content;
using RawFrames.Bench.Scenarios;
using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Bench.ModelInputs;

/// <summary>
/// One frame to one model-ready tensor, in process, on one thread: RawFrames' TensorPreprocessor (with and without the
/// scaled JPEG decode) against the cv2 pipeline Python consumers run today (bench/baselines/cv2_model_input.py, Debian's OpenCV, as
/// Python users run it, and with IMREAD_REDUCED_COLOR_2, the best cv2 offers), on the same bytes. CPU per frame is the
/// median of 5 rounds. Accuracy: each RawFrames tensor against the cv2 pipeline's, in pixel units (0-255).
/// </summary>
internal static class ConversionComparison
{
    public sealed record Row(string Content, string Size, string Way, double CpuMs, Accuracy? Accuracy);

    /// <summary>Differences from the cv2 pipeline's tensor, in pixel values (0-255).</summary>
    public sealed record Accuracy(double MaxAbs, double MeanAbs, double PsnrDb);

    public static async Task<List<Row>> RunAsync(IReadOnlyList<ModelInputSample> samples, string folder, int frames)
    {
        var rows = new List<Row>();
        foreach (ModelInputSample sample in samples)
        {
            foreach (int size in new[] { 640, 320 })
            {
                var spec = new TensorSpec(size, size);
                string label = $"{size}x{size}";
                string reference = Path.Combine(folder, $"cv2-{Path.GetFileNameWithoutExtension(sample.File)}-{size}.npy");
                double cv2Ms = await Cv2Async(sample, label, frames, reduced: false, save: reference);
                float[] cv2Tensor = ModelInputSample.ReadNpyFloats(reference);
                rows.Add(new Row(sample.Label, label, "cv2 pipeline (imdecode, resize, copyMakeBorder, transpose, /255)", cv2Ms, null));
                if (sample.IsJpeg)
                {
                    rows.Add(new Row(sample.Label, label, "cv2 pipeline, IMREAD_REDUCED_COLOR_2", await Cv2Async(sample, label, frames, reduced: true, save: null), null));
                }

                (double ms, float[] tensor) = RawFrames(sample, spec, frames, scaled: true);
                rows.Add(new Row(sample.Label, label, sample.IsJpeg ? "RawFrames (scaled TurboJPEG decode + libyuv)" : "RawFrames (libyuv)", ms,
                    Compare(tensor, cv2Tensor)));
                if (sample.IsJpeg)
                {
                    (ms, tensor) = RawFrames(sample, spec, frames, scaled: false);
                    rows.Add(new Row(sample.Label, label, "RawFrames, whole-size decode", ms, Compare(tensor, cv2Tensor)));
                }
            }
        }

        return rows;
    }

    private static (double Ms, float[] Tensor) RawFrames(ModelInputSample sample, TensorSpec spec, int frames, bool scaled)
    {
        using var codecs = new CodecPool();
        using var preprocessor = new TensorPreprocessor(codecs) { ScaledDecode = scaled };
        byte[] output = new byte[spec.ByteCount];
        preprocessor.Convert(sample.Info.Codec, sample.Info.PixelFormat, sample.Info.Width, sample.Info.Height, sample.Info.Stride, sample.Payload, spec, output); // warm-up
        var rounds = new List<double>();
        for (int round = 0; round < 5; round++)
        {
            TimeSpan before = Environment.CpuUsage.TotalTime;
            for (int i = 0; i < frames; i++)
            {
                preprocessor.Convert(sample.Info.Codec, sample.Info.PixelFormat, sample.Info.Width, sample.Info.Height, sample.Info.Stride, sample.Payload, spec, output);
            }

            rounds.Add((Environment.CpuUsage.TotalTime - before).TotalMilliseconds / frames);
        }

        return (rounds.Order().ElementAt(2), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(output).ToArray());
    }

    private static async Task<double> Cv2Async(ModelInputSample sample, string size, int frames, bool reduced, string? save)
    {
        List<string> arguments = [Repository.Path("bench", "baselines", "cv2_model_input.py"), "measure", sample.File, size, frames.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (reduced)
        {
            arguments.Add("--reduced");
        }

        if (save is not null)
        {
            arguments.AddRange(["--save", save]);
        }

        using ChildProcess python = ChildProcess.Start("/usr/bin/python3", arguments);
        JsonElement summary = await python.SummaryAsync(TimeSpan.FromMinutes(5));
        return summary.GetProperty("cpu_ms_per_frame").GetDouble();
    }

    private static Accuracy Compare(float[] actual, float[] expected)
    {
        double max = 0;
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double difference = Math.Abs(actual[i] - expected[i]) * 255;
            max = Math.Max(max, difference);
            sum += difference;
            squares += difference * difference;
        }

        double mse = squares / actual.Length;
        return new Accuracy(max, sum / actual.Length, mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255 * 255 / mse));
    }
}
