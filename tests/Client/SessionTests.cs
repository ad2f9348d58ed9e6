using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RawFrames.Client;
using RawFrames.Programs.Sources;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client;

/// <summary>
/// The session layer as applications and the three programs use it: reconnecting across a receiver's restart,
/// subscribing to a real rawframes-relay, stopping and shutting down, cancellation and disposal that end in bounded
/// time, and what it logs through ILogger.
/// </summary>
public sealed class SessionTests : IDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"rawframes-session-{Guid.NewGuid():N}.sock");

    public void Dispose() => File.Delete(_socket);

    [Fact]
    public async Task AReceiverThatRestarts_TheSenderReconnects_AndGoesOnWithTheNextSequence()
    {
        var logs = new LinesLogger();
        SyntheticPattern pattern = SyntheticPattern.For(32, 24);
        FrameReceiver first = await FrameReceiver.ListenAsync($"unix://{_socket}");
        await using FrameSender sender = await FrameSender.ConnectAsync($"unix://{_socket}", new FrameSenderOptions { LoggerFactory = logs });
        (await sender.SendAsync(pattern.Frame(0), 32, 24)).Should().BeTrue();
        await using (first)
        {
            await foreach (ReceivedFrame frame in first.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
            {
                frame.Sequence.Should().Be(0);
                break;
            }

            // Going away, not done: the sender takes ShuttingDown as "come back later".
            await first.StopAsync(shuttingDown: true).WaitAsync(s_bound);
        }

        await using FrameReceiver second = await FrameReceiver.ListenAsync($"unix://{_socket}", new FrameReceiverOptions { Once = true });
        Task<bool> sending = Task.Run(async () =>
        {
            for (ulong sequence = 1; sequence <= 3; sequence++)
            {
                (await sender.SendAsync(pattern.Frame(sequence), 32, 24)).Should().BeTrue("the frame that met the lost connection is sent again on the new one");
            }

            return await sender.CompleteAsync();
        });

        var sequences = new List<ulong>();
        await foreach (ReceivedFrame frame in second.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.Payload.Span.SequenceEqual(pattern.Frame(frame.Sequence).Span).Should().BeTrue();
            sequences.Add(frame.Sequence);
        }

        (await sending).Should().BeTrue();
        sequences.Should().Equal(1UL, 2UL, 3UL);
        sender.Statistics.Reconnects.Should().Be(1);
        logs.Lines.Should().Contain(line => line.Contains("reconnected to", StringComparison.Ordinal), "the library logs through the ILogger it was given");
    }

    [Trait(Tier.Category, Tier.Process)]
    [Fact]
    public async Task SubscribedToARelay_EveryFrameOfTheProducerArrives()
    {
        string producers = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        using var relay = ProgramProcess.Start("rawframes-relay", "--listen", producers, "--serve", $"unix://{_socket}", "--queue", "256", "--once", "--json",
            "--quiet");
        await relay.WaitUntilSaidAsync("subscribers connect to");
        await using FrameReceiver receiver = await FrameReceiver.SubscribeAsync($"unix://{_socket}");
        await relay.WaitUntilSaidAsync("subscriber 1:");

        SyntheticPattern pattern = SyntheticPattern.For(32, 24);
        Task<bool> producing = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(producers);
            for (ulong sequence = 0; sequence < 50; sequence++)
            {
                await sender.SendAsync(pattern.Frame(sequence), 32, 24);
            }

            return await sender.CompleteAsync();
        });

        var sequences = new List<ulong>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.Payload.Span.SequenceEqual(pattern.Frame(frame.Sequence).Span).Should().BeTrue();
            sequences.Add(frame.Sequence);
        }

        (await producing).Should().BeTrue();
        sequences.Should().Equal(Enumerable.Range(0, 50).Select(i => (ulong)i), "a lossless subscription with room for the burst gets every frame, and the relay's END ends it");
        (await relay.WaitForSummaryAsync()).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task StopAsync_EndsASenderCleanly_WithEND()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0");
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint, new FrameSenderOptions { Reconnect = false });
        await sender.SendAsync(new byte[32 * 24 * 3], 32, 24);
        SenderConnection? connection = null;
        await foreach (SenderConnection accepted in receiver.AcceptAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            connection = accepted;
            break;
        }

        Task reading = Task.Run(async () =>
        {
            await foreach (ReceivedFrame frame in connection!.ReadFramesAsync())
            {
                frame.Width.Should().Be(32);
            }
        });
        Task stopping = receiver.StopAsync();
        await ProgramProcess.WaitUntilAsync(() => sender.Stopped, "the sender hears the receiver's END");

        (await sender.SendAsync(new byte[32 * 24 * 3], 32, 24)).Should().BeFalse("a stopped stream takes no more frames");
        sender.StopReason.Should().Contain("END");
        (await sender.CompleteAsync()).Should().BeTrue("END answered with END: the receiver read every frame");
        await Task.WhenAll(stopping, reading).WaitAsync(s_bound);
        connection!.End!.Kind.Should().Be(ConnectionEndKind.Ended);
    }

    [Fact]
    public async Task AReceiverDisposedAsItsLoopThrows_TellsTheSenderShuttingDown_NeverEND()
    {
        FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0");
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint, new FrameSenderOptions { Reconnect = false });
        for (int i = 0; i < 6; i++)
        {
            await sender.SendAsync(new byte[32 * 24 * 3], 32, 24);
        }

        Func<Task> application = async () =>
        {
            await using (receiver)
            {
                await foreach (ReceivedFrame frame in receiver.ReadAllAsync())
                {
                    throw new InvalidOperationException($"the model failed on frame {frame.Sequence}");
                }
            }
        };

        await application.Should().ThrowAsync<InvalidOperationException>().WithMessage("*frame 0");
        (await sender.CompleteAsync()).Should().BeFalse("one frame of six was handled: nothing may say every frame was read");
        // ShuttingDown: the receiver went away (a reconnecting sender would come back to whoever listens next).
        sender.End!.Kind.Should().Be(SenderEndKind.Lost);
        sender.End.Code.Should().Be(ErrorCode.ShuttingDown);
        sender.End.Reason.Should().Contain("closed before the stream ended");
    }

    [Fact]
    public async Task ConnectingToNothing_EndsWithConnectFailed_OrAtOnceWhenCancelled()
    {
        string nobody = $"tcp://127.0.0.1:{LoopbackPorts.Free()}";
        Func<Task> timedOut = () => FrameSender.ConnectAsync(nobody, new FrameSenderOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) });
        (await timedOut.Should().ThrowAsync<ConnectFailedException>()).Which.Message.Should().Contain(nobody);

        using var cancel = new CancellationTokenSource();
        Task<FrameSender> forever = FrameSender.ConnectAsync(nobody, new FrameSenderOptions { ConnectTimeout = TimeSpan.Zero }, cancel.Token);
        await cancel.CancelAsync();
        Func<Task> cancelled = () => forever.WaitAsync(s_bound);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task DisposingAReceiver_WhoseConnectionNobodyReads_EndsInBoundedTime()
    {
        FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0");
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint, new FrameSenderOptions { Reconnect = false });
        await sender.SendAsync(new byte[32 * 24 * 3], 32, 24);
        await ProgramProcess.WaitUntilAsync(() => receiver.Connections == 1, "the receiver has the connection");

        await receiver.DisposeAsync().AsTask().WaitAsync(s_bound);

        receiver.Connections.Should().Be(0);
        await ProgramProcess.WaitUntilAsync(() => sender.Stopped, "the sender learns the receiver is gone");
    }

    [Fact]
    public async Task ReadingFrames_Cancelled_StopsTheLoop_NotTheConnection()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0");
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
        using var cancel = new CancellationTokenSource();
        Task<int> reading = Task.Run(async () =>
        {
            int frames = 0;
            await foreach (ReceivedFrame frame in receiver.ReadAllAsync(cancel.Token))
            {
                frames++;
                await cancel.CancelAsync();
            }

            return frames;
        });
        await sender.SendAsync(new byte[32 * 24 * 3], 32, 24);

        Func<Task> read = () => reading.WaitAsync(s_bound);
        await read.Should().ThrowAsync<OperationCanceledException>();
        receiver.Connections.Should().Be(1, "cancelling a loop leaves the sender connected");
        sender.Stopped.Should().BeFalse();
    }

    [Fact]
    public async Task AReceiver_WhoseLoopWasCancelled_WhileAFrameWasHandedOver_DisposesInBoundedTime()
    {
        FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0");
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint, new FrameSenderOptions { Reconnect = false });
        using var cancel = new CancellationTokenSource();
        Task reading = Task.Run(async () =>
        {
            await foreach (ReceivedFrame frame in receiver.ReadAllAsync(cancel.Token))
            {
                await cancel.CancelAsync();
            }
        });
        await sender.SendAsync(new byte[32 * 24 * 3], 32, 24);
        Func<Task> read = () => reading.WaitAsync(s_bound);
        await read.Should().ThrowAsync<OperationCanceledException>();

        // The next frame is read and handed over to a loop that is gone: disposing gives it back instead of waiting for it.
        await sender.SendAsync(new byte[32 * 24 * 3], 32, 24);
        await receiver.DisposeAsync().AsTask().WaitAsync(s_bound);
        receiver.Connections.Should().Be(0);
    }

    /// <summary>Collects what the library logs.</summary>
    private sealed class LinesLogger : ILoggerFactory, ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
