using System.Net.Sockets;
using System.Text.Json;
using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Sender;

/// <summary>
/// A consumer that refuses the stream, or breaks the protocol, fails rawframes-send's run: exit 1, the reason in
/// <c>error</c>, <c>stopped_by: error</c>, never <c>confirmed</c>; however the ERROR and the sender's last frames and
/// END cross (each case is run several times, since that order is the race).
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class ConsumerFaultProcessTests
{
    private static readonly ConnectionOptions s_consumer = new() { Role = PeerRole.Consumer, Software = "test-consumer" };

    [Fact]
    public async Task AConsumerThatRefusesAfterTheFirstFrame_FailsTheRun_WithItsError()
    {
        for (int run = 0; run < 4; run++)
        {
            JsonElement summary = await SendToAsync(async (connection, socket) =>
            {
                (await connection.ReadAsync()).Type.Should().Be(MessageType.Frame);
                await connection.SendErrorAsync(ErrorCode.MalformedMessage, "frame refused by the test");
            });

            summary.GetProperty("error").GetString().Should().Contain("frame refused by the test").And.Contain("MalformedMessage");
        }
    }

    [Fact]
    public async Task AConsumerThatBreaksTheProtocol_FailsTheRun_NamingTheFault()
    {
        for (int run = 0; run < 3; run++)
        {
            JsonElement summary = await SendToAsync(async (connection, socket) =>
            {
                (await connection.ReadAsync()).Type.Should().Be(MessageType.Frame);
                // A message of a type no version defines, written past the connection's writer.
                byte[] unknown = new byte[MessageHeader.Size];
                MessageHeader.ForBody((MessageType)0xEE, 0).WriteTo(unknown);
                await socket.SendAsync(unknown);
            });

            summary.GetProperty("error").GetString().Should().Contain("the receiver broke the protocol").And.Contain("UnknownMessageType");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnAcceptorThatCutsTheOpening_IsNotRetried_WithNoReconnect_ButIsWithReconnect(bool reconnect)
    {
        // Accepts, reads the preamble and HELLO, and closes: a peer that is there but will not open.
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        int accepted = 0;
        using var stop = new CancellationTokenSource();
        Task cutting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using Socket peer = await listener.AcceptAsync(stop.Token);
                Interlocked.Increment(ref accepted);
                await peer.ReceiveAsync(new byte[64], stop.Token);
            }
        });
        using var sender = ProgramProcess.Start("rawframes-send", ["--to", listener.Endpoint.Text, "--frames", "5", "--connect-timeout", "3", "--json", "--quiet",
            .. reconnect ? Array.Empty<string>() : ["--no-reconnect"]]);
        (int exit, JsonElement summary) = await sender.WaitForSummaryAsync();
        await stop.CancelAsync();
        await cutting.ContinueWith(_ => { }, TaskScheduler.Default);

        exit.Should().Be(1, sender.Stderr);
        summary.GetProperty("error").GetString().Should().Contain("connection closed after 0 of the 8 preamble bytes");
        if (reconnect)
        {
            Volatile.Read(ref accepted).Should().BeGreaterThan(1, "a receiver that is restarting is tried again until --connect-timeout");
        }
        else
        {
            Volatile.Read(ref accepted).Should().Be(1, "--no-reconnect gives up on the first connection a peer cut");
        }
    }

    // rawframes-send --frames 5 to a consumer that does what it is told with its connection, then reads until the end.
    private static async Task<JsonElement> SendToAsync(Func<FrameConnection, Socket, Task> consumer)
    {
        using var listener = await FrameListener.StartAsync(FrameEndpoint.Parse("tcp://127.0.0.1:0"));
        using var sender = ProgramProcess.Start("rawframes-send", "--to", listener.Endpoint.Text, "--source", "synthetic:64x48", "--frames", "5",
            "--no-reconnect", "--json", "--quiet");
        Socket socket = await listener.AcceptAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await using (FrameConnection connection = await FrameConnection.AcceptAsync(socket, s_consumer))
        {
            await consumer(connection, socket);
            (int exit, JsonElement summary) = await sender.WaitForSummaryAsync();
            exit.Should().Be(1, sender.Stderr);
            summary.GetProperty("stopped_by").GetString().Should().Be("error");
            summary.GetProperty("confirmed").GetBoolean().Should().BeFalse();
            return summary;
        }
    }
}
