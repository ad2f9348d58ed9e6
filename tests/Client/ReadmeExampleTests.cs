using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client;

/// <summary>
/// The README's library examples, run: the two methods below hold their code, and a test checks that the README
/// shows exactly these lines (with the endpoint written out), so the README cannot drift from code that works.
/// </summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task TheSenderAndReceiverExamples_RunAgainstEachOther()
    {
        string endpoint = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var receiverOutput = new StringWriter();
        using var senderOutput = new StringWriter();
        Task receiving = ReceiverExample(endpoint, receiverOutput);
        await SenderExample(endpoint, senderOutput).WaitAsync(TimeSpan.FromSeconds(60));
        await receiving.WaitAsync(TimeSpan.FromSeconds(60));

        string[] received = Lines(receiverOutput);
        received.Should().HaveCount(100).And.OnlyContain(line => line.EndsWith(": 640x480", StringComparison.Ordinal));
        received[^1].Should().Contain("#99");
        Lines(senderOutput).Should().HaveCount(100).And.OnlyContain(line => line.StartsWith("frame ", StringComparison.Ordinal) && line.Contains("{\"mean\":0}", StringComparison.Ordinal));
    }

    [Fact]
    public void TheReadmeShowsTheseExamples()
    {
        string[] blocks = ReadmeCode.CSharpBlocks();

        blocks.Should().Contain(Body(nameof(SenderExample)));
        blocks.Should().Contain(Body(nameof(ReceiverExample)));
        Body(nameof(SenderExample)).Split('\n').Length.Should().BeLessThan(20);
        Body(nameof(ReceiverExample)).Split('\n').Length.Should().BeLessThan(20);
    }

    private static async Task SenderExample(string endpoint, TextWriter output)
    {
        byte[] bgr = new byte[640 * 480 * 3]; // your camera's BGR pixels, e.g. an OpenCV Mat's data
        await using var sender = await FrameSender.ConnectAsync(endpoint,
            new FrameSenderOptions { Codec = Codec.Jpeg }); // Codec.Raw on fast links
        for (int i = 0; i < 100; i++)
        {
            // Request/reply: send a frame, await what the receiver made of it.
            FrameResult result = await sender.RequestAsync(bgr, 640, 480);
            output.WriteLine($"frame {result.Sequence}: {result.Text}");
        }
    }

    private static async Task ReceiverExample(string endpoint, TextWriter output)
    {
        await using var receiver = await FrameReceiver.ListenAsync(endpoint);
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync())
        {
            ReadOnlyMemory<byte> bgr = frame.Bgr(); // decoded and packed; valid until the next frame
            output.WriteLine($"{frame.Sender.Remote} #{frame.Sequence}: {frame.Width}x{frame.Height}");
            await frame.ReplyJsonAsync($"{{\"mean\":{bgr.Span[0]}}}"); // your model's answer
            if (frame.Sequence == 99)
            {
                await receiver.StopAsync(); // END: "I have what I wanted"; without it, disposal says ShuttingDown
                break;
            }
        }
    }

    private static string[] Lines(StringWriter writer) => writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Body(string method, [CallerFilePath] string file = "") =>
        ReadmeCode.Body(file, method, ("endpoint", "\"tcp://127.0.0.1:5555\""));
}
