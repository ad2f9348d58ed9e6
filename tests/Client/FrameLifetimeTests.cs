using RawFrames.Client;
using RawFrames.Programs.Sources;

namespace RawFrames.Tests.Client;

/// <summary>
/// A received frame is a view of memory the connection reuses: kept past its iteration it must fail loudly, never
/// show the bytes of a later frame; a detached copy lives until disposed, then fails the same way.
/// </summary>
public sealed class FrameLifetimeTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("tcp")]
    [InlineData("shm")]
    public async Task AFrameKeptPastItsIteration_ThrowsInsteadOfShowingTheNextFramesBytes(string transport)
    {
        string socket = Path.Combine(Path.GetTempPath(), $"rawframes-life-{Guid.NewGuid():N}.sock");
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync(transport == "tcp" ? "tcp://127.0.0.1:0" : $"unix://{socket}",
            new FrameReceiverOptions { Once = true });
        Task<bool> sending = SendAsync(transport == "tcp" ? receiver.Endpoint : $"shm://{socket}", 3);

        ReceivedFrame? kept = null;
        int checkedFrames = 0;
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            if (kept is { } previous)
            {
                previous.IsValid.Should().BeFalse("the iteration moved on");
                FluentActions.Invoking(() => previous.Payload).Should().Throw<ObjectDisposedException>().WithMessage("*Detach()*");
                FluentActions.Invoking(() => previous.Width).Should().Throw<ObjectDisposedException>();
                FluentActions.Invoking(() => previous.Bgr()).Should().Throw<ObjectDisposedException>();
                FluentActions.Invoking(() => previous.Detach()).Should().Throw<ObjectDisposedException>();
                checkedFrames++;
            }

            frame.IsValid.Should().BeTrue();
            kept = frame;
        }

        (await sending).Should().BeTrue();
        checkedFrames.Should().Be(2, "frames 0 and 1 were each checked once the next one came");
        default(ReceivedFrame).IsValid.Should().BeFalse();
        FluentActions.Invoking(() => default(ReceivedFrame).Sequence).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public async Task ADetachedFrame_LivesUntilDisposed_ThenThrows()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task<bool> sending = SendAsync(receiver.Endpoint, 2);
        var detached = new List<DetachedFrame>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            detached.Add(frame.Detach());
            if (detached.Count == 2)
            {
                // The sender's END waits for these copies: dispose them before the loop reads it.
                break;
            }
        }

        SyntheticPattern pattern = SyntheticPattern.For(32, 24);
        detached[0].Payload.ToArray().Should().Equal(pattern.Frame(0).ToArray(), "the copy keeps frame 0's bytes after frame 1 arrived");
        detached[0].Bgr().ToArray().Should().Equal(pattern.Frame(0).ToArray());
        detached.ForEach(frame => frame.Dispose());
        FluentActions.Invoking(() => detached[0].Payload).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(() => detached[1].Bgr()).Should().Throw<ObjectDisposedException>();
        (await sending.WaitAsync(s_bound)).Should().BeTrue("END is answered once every detached frame was disposed");
    }

    private static Task<bool> SendAsync(string endpoint, int count) => Task.Run(async () =>
    {
        SyntheticPattern pattern = SyntheticPattern.For(32, 24);
        await using FrameSender sender = await FrameSender.ConnectAsync(endpoint);
        for (ulong sequence = 0; sequence < (ulong)count; sequence++)
        {
            (await sender.SendAsync(pattern.Frame(sequence), 32, 24)).Should().BeTrue();
        }

        return await sender.CompleteAsync();
    });
}
