using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client.Serving;

/// <summary>
/// The README's serving example, run: an application serves its camera to subscribers as rawframes-relay does, and a
/// subscriber that answers frames gets its answers printed by the server's OnResult. The README shows these lines.
/// </summary>
public sealed class ReadmeServerExampleTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheServerExample_ServesASubscriber_AndPrintsItsAnswers()
    {
        string endpoint = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var output = new StringWriter();
        var answered = new TaskCompletionSource();
        Task serving = ServerExample(endpoint, Camera(answered.Task), output);

        // A subscriber that answers five frames in JPEG, as a model would, then leaves.
        await using (FrameReceiver subscriber = await FrameReceiver.SubscribeAsync(endpoint, new SubscriptionOptions { Codec = Codec.Jpeg, ConnectTimeout = s_bound }))
        {
            int answers = 0;
            await foreach (ReceivedFrame frame in subscriber.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
            {
                frame.Codec.Should().Be(Codec.Jpeg);
                await frame.ReplyJsonAsync($$"""{"boxes":{{frame.Sequence % 3}}}""");
                if (++answers == 5)
                {
                    break;
                }
            }
        }

        answered.SetResult();
        await serving.WaitAsync(s_bound);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().HaveCount(5, "every answer arrives before the subscriber's END").And
            .OnlyContain(line => line.StartsWith("frame ", StringComparison.Ordinal) && line.Contains("{\"boxes\":", StringComparison.Ordinal));
    }

    [Fact]
    public void TheReadmeShowsThisExample() =>
        ReadmeCode.CSharpBlocks().Should().Contain(ReadmeCode.Body(FilePath(), nameof(ServerExample), ("endpoint", "\"tcp://0.0.0.0:5556\"")));

    private static async Task ServerExample(string endpoint, IAsyncEnumerable<byte[]> camera, TextWriter output)
    {
        await using var server = await FrameServer.StartAsync([endpoint], // more endpoints: unix:///run/cams.sock, ...
            new FrameServerOptions { OnResult = result => output.WriteLine($"frame {result.Sequence}: {result.Text}") });
        ulong sequence = 0;
        await foreach (byte[] bgr in camera) // 640x480 BGR pixels
        {
            // Never waits: each subscriber takes frames under its own policy, in the codec it asked for (made once).
            server.Publish(FrameInfo.Raw(FrameFormat.Bgr24(640, 480), streamId: 0, sequence++, timestampNs: 0), bgr);
        }

        await server.CompleteAsync(TimeSpan.FromSeconds(5)); // END to each subscriber after what is queued for it
    }

    // Frames one after another until the subscriber has answered (bounded); yielding between them lets the rest run.
    private static async IAsyncEnumerable<byte[]> Camera(Task answered)
    {
        byte[] bgr = new byte[640 * 480 * 3];
        using var bound = new CancellationTokenSource(s_bound);
        while (!answered.IsCompleted && !bound.IsCancellationRequested)
        {
            yield return bgr;
            await Task.Yield();
        }
    }

    private static string FilePath([CallerFilePath] string file = "") => file;
}
