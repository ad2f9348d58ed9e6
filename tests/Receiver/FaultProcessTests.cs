using System.Net.Sockets;
using System.Text.Json;
using RawFrames.Protocol.Transport;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Receiver;

/// <summary>A sender that dies in the middle of a frame: the receiver reports the cut frame and keeps every frame before it.</summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class FaultProcessTests
{
    [Fact]
    public async Task SenderKilledMidFrame_TheReceiverNamesTheCutFrame_AndKeepsTheOnesBefore()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--verify", "--json"); // live line: frames so far
        string endpoint = await receiver.ListeningEndpointAsync();
        byte[] stream = await File.ReadAllBytesAsync(Path.Combine(Path.Combine(AppContext.BaseDirectory, "vectors"), "minimal-raw-frame.bin"));
        int frameStart = FirstFrameOffset(stream);
        byte[] frame = stream[frameStart..^8]; // the FRAME message, without the END after it

        // A producer's opening and three whole frames of sequence 1 (the vector's), then half of a fourth: the
        // bytes a sender killed during its fourth write leaves behind.
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(await FrameEndpoint.Parse(endpoint).ResolveAsync(CancellationToken.None));
            await socket.SendAsync(stream[..frameStart]);
            for (int i = 0; i < 2; i++)
            {
                await socket.SendAsync(frame);
            }

            // The third frame and half of the fourth in one small write, so one read takes both: once the receiver
            // counts 3 frames it holds the half frame too, and the reset that follows cannot overtake it.
            await socket.SendAsync(frame.Concat(frame[..(frame.Length / 2)]).ToArray());
            await ProgramProcess.WaitUntilAsync(() => receiver.LastLiveFrames() == 3, "the receiver has read the three whole frames");
        }

        (int exit, JsonElement received) = await receiver.WaitForSummaryAsync();

        exit.Should().Be(1, "a cut frame is an error");
        received.GetProperty("frames").GetInt64().Should().Be(3, "every whole frame before the cut was kept");
        // Closed with unread data (the receiver's HELLO), the socket is reset, as a killed process's is.
        received.GetProperty("errors").GetInt64().Should().Be(1);
        received.GetProperty("streams")[0].GetProperty("end").GetString().Should()
            .Contain($"a message: {(frame.Length / 2) - 4} of its {frame.Length - 4} bytes arrived");
    }

    [Fact]
    public async Task RealSenderKilledWhileStreaming_EveryFrameTheReceiverKeptIsIntact()
    {
        using var receiver = ProgramProcess.Start("rawframes-recv", "--listen", "tcp://127.0.0.1:0", "--once", "--verify", "--json");
        string endpoint = await receiver.ListeningEndpointAsync();
        using var sender = ProgramProcess.Start("rawframes-send", "--to", endpoint, "--source", "synthetic:1920x1080", "--quiet");
        await ProgramProcess.WaitUntilAsync(() => receiver.LastLiveFrames() >= 10, "frames are flowing, most of the time inside a 6 MB write");
        sender.Kill();
        (_, JsonElement received) = await receiver.WaitForSummaryAsync();

        received.GetProperty("frames").GetInt64().Should().BePositive();
        received.GetProperty("verify_failures").GetInt64().Should().Be(0, "no cut or mixed-up frame was ever handed on");
        received.GetProperty("streams")[0].GetProperty("end").GetString().Should()
            .Match(end => end.Contains("a message:", StringComparison.Ordinal) || end.Contains("closed without END", StringComparison.Ordinal));
    }

    // The preamble (8) and the HELLO message (4-byte length + its length).
    private static int FirstFrameOffset(byte[] stream) => 8 + 4 + (int)BitConverter.ToUInt32(stream, 8);
}
