using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client;

/// <summary>The README's model-input example, run as printed: JPEG frames from rawframes-send into batches of tensors.</summary>
public sealed class ReadmeTensorExampleTests
{
    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task TheBatchExample_GivesTwoBatchesOfEight_AndMapsTheCentreBack()
    {
        string endpoint = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var output = new StringWriter();
        Task receiving = BatchExample(endpoint, output);
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:1920x1080", "--codec", "jpeg", "--frames", "16",
            "--json", "--quiet");
        (int exit, _) = await sender.WaitForSummaryAsync();
        exit.Should().Be(0, sender.Stderr);
        await receiving.WaitAsync(TimeSpan.FromSeconds(60));

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Where(line => line.StartsWith("batch", StringComparison.Ordinal)).Should().Equal("batch of 8: 9830400 values", "batch of 8: 9830400 values");
        lines.Where(line => line.StartsWith('#')).Should().HaveCount(16).And.OnlyContain(line => line.EndsWith(": centre at 960,540", StringComparison.Ordinal));
    }

    [Fact]
    public void TheReadmeShowsThisExample() => ReadmeCode.CSharpBlocks().Should().Contain(
        ReadmeCode.Body(FilePath(), nameof(BatchExample), ("endpoint", "\"tcp://127.0.0.1:5555\"")));

    private static async Task BatchExample(string endpoint, TextWriter output)
    {
        await using var receiver = await FrameReceiver.ListenAsync(endpoint, new FrameReceiverOptions { Once = true });
        using var batch = new TensorBatch(new TensorSpec(640, 640), capacity: 8); // letterboxed RGB CHW float32
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync())
        {
            if (batch.Add(frame)) // decoded at the scale the model needs, straight into the batch
            {
                ReadOnlySpan<float> input = batch.Floats; // N x 3 x 640 x 640, e.g. for an ONNX Runtime tensor
                output.WriteLine($"batch of {batch.Count}: {input.Length} values");
                foreach (TensorItem item in batch.Items)
                {
                    (float x, float y) = item.Letterbox.ToSource(320, 320); // a point the model found, in the frame
                    output.WriteLine($"#{item.Sequence}: centre at {x:0},{y:0}");
                }

                batch.Clear();
            }
        }
    }

    private static string FilePath([CallerFilePath] string file = "") => file;
}
