using System.Collections.Concurrent;
using System.Text.Json;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sources;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client;

/// <summary>FrameSender and FrameReceiver over loopback TCP, in one process, as an application embeds them.</summary>
public sealed class LibraryApiTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AwaitForeach_ReceivesEveryFrame_InOrder_AsPackedBgr()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task<bool> sending = SendPatternAsync(receiver, 50, 64, 48, stride: 200);

        byte[] expected = TestImages.PackedPattern(64, 48, 200, 50);
        var sequences = new List<ulong>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.Stride.Should().Be(200, "raw frames arrive as sent");
            frame.Bgr().ToArray().Should().Equal(expected.AsSpan((int)frame.Sequence * 64 * 48 * 3, 64 * 48 * 3).ToArray(), "Bgr() drops the row padding");
            sequences.Add(frame.Sequence);
        }

        (await sending).Should().BeTrue("the receiver answered END after reading every frame");
        sequences.Should().Equal(Enumerable.Range(0, 50).Select(i => (ulong)i));
    }

    [Fact]
    public async Task LoanedFrames_WrittenInPlaceInSharedMemory_ArriveAsWritten()
    {
        string socket = Path.Combine(Path.GetTempPath(), $"rawframes-loan-{Guid.NewGuid():N}.sock");
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync($"unix://{socket}", new FrameReceiverOptions { Once = true });
        var pattern = SyntheticPattern.For(64, 48);
        Task<bool> sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync($"shm://{socket}");
            for (ulong i = 0; i < 20; i++)
            {
                using FrameLoan loan = (await sender.LoanAsync(FrameFormat.Bgr24(64, 48)))!;
                pattern.Frame(i).Span.CopyTo(loan.Payload.Span); // stands for a camera or decoder writing in place
                (await sender.SendAsync(loan, FrameFormat.Bgr24(64, 48))).Should().BeTrue();
            }

            return await sender.CompleteAsync();
        });

        var sequences = new List<ulong>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.Payload.ToArray().Should().Equal(pattern.Frame(frame.Sequence).ToArray());
            sequences.Add(frame.Sequence);
        }

        (await sending).Should().BeTrue();
        sequences.Should().Equal(Enumerable.Range(0, 20).Select(i => (ulong)i));
    }

    [Fact]
    public async Task Loan_OnATcpConnection_IsNull_SoTheCallerSendsABuffer()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);

        (await sender.LoanAsync(FrameFormat.Bgr24(64, 48))).Should().BeNull();
    }

    [Fact]
    public async Task JpegEncodedAndAlreadyEncoded_BothDecodeToTheImage()
    {
        byte[] image = TestImages.Smooth(160, 120);
        byte[] camerasJpeg = new byte[JpegEncoder.MaxEncodedSize(160, 120, ChromaSubsampling.S444)];
        using (var encoder = new JpegEncoder(95, ChromaSubsampling.S444))
        {
            camerasJpeg = camerasJpeg[..encoder.Encode(image, 160, 120, 480, camerasJpeg)];
        }

        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint, new FrameSenderOptions { Codec = Codec.Jpeg, Encoder = new EncoderSettings(Quality: 95) });
            await sender.SendAsync(image, 160, 120);
            await sender.SendJpegAsync(camerasJpeg);
        });

        var received = new List<(Codec Codec, int Width, byte[] Payload, double Psnr)>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            received.Add((frame.Codec, frame.Width, frame.Payload.ToArray(), ImageQuality.Psnr(frame.Bgr().Span, 480, image, 480, 480, 120)));
        }

        await sending;
        received.Should().HaveCount(2);
        received.Should().OnlyContain(r => r.Codec == Codec.Jpeg && r.Width == 160 && r.Psnr > 35);
        received[1].Payload.Should().Equal(camerasJpeg, "an encoded JPEG goes out untouched, its size read from the JPEG");
    }

    [Fact]
    public async Task RequestReply_EachRequestGetsTheResultForItsOwnFrame()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task serving = Task.Run(async () =>
        {
            await foreach (ReceivedFrame frame in receiver.ReadAllAsync())
            {
                await frame.ReplyJsonAsync($$"""{"sequence":{{frame.Sequence}},"first_byte":{{frame.Payload.Span[0]}}}""");
            }
        });
        SyntheticPattern pattern = SyntheticPattern.For(32, 24);

        await using (FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint))
        {
            for (ulong sequence = 0; sequence < 20; sequence++)
            {
                FrameResult result = await sender.RequestAsync(pattern.Frame(sequence), 32, 24).WaitAsync(s_bound);

                result.Sequence.Should().Be(sequence);
                result.IsJson.Should().BeTrue();
                using JsonDocument json = JsonDocument.Parse(result.Data);
                json.RootElement.GetProperty("first_byte").GetInt32().Should().Be(pattern.Frame(sequence).Span[0]);
            }
        }

        await serving.WaitAsync(s_bound);
    }

    [Fact]
    public async Task ProcessInOrder_WithRandomDelays_DeliversInSequence_AndResultsFlowBack()
    {
        const int Frames = 120;
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        var results = new ConcurrentQueue<FrameResult>();
        Task<bool> sending = SendPatternAsync(receiver, Frames, options: new FrameSenderOptions { OnResult = results.Enqueue });

        var random = new Random(11);
        int running = 0, maxRunning = 0;
        var delivered = new List<ulong>();
        await foreach ((DetachedFrame frame, ulong doubled) in receiver.ProcessInOrderAsync(async (frame, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            lock (delivered)
            {
                maxRunning = Math.Max(maxRunning, now);
            }

            int delay;
            lock (random)
            {
                delay = random.Next(0, 15);
            }

            await Task.Delay(delay, ct); // a model that takes longer on some frames
            Interlocked.Decrement(ref running);
            return frame.Sequence * 2;
        }, parallelism: 4, window: 8).WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            doubled.Should().Be(frame.Sequence * 2, "each result stays with its frame");
            delivered.Add(frame.Sequence);
            await frame.ReplyAsync(BitConverter.GetBytes(doubled));
        }

        (await sending.WaitAsync(s_bound)).Should().BeTrue();
        delivered.Should().Equal(Enumerable.Range(0, Frames).Select(i => (ulong)i), "held until their turn, never reordered or lost");
        maxRunning.Should().BeLessThanOrEqualTo(4).And.BeGreaterThan(1);
        results.Select(r => r.Sequence).Should().Equal(delivered, "results went back in order over the same connection");
        results.Should().OnlyContain(r => BitConverter.ToUInt64(r.Data) == r.Sequence * 2);
    }

    [Fact]
    public async Task Batches_FillUpToTheirSize_AndAPartialBatchLeavesAfterTheMaximumWait()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        // The sender sends 3 frames and waits for their 3 results, 10 times: a batch of 16 can only ever hold 3, so
        // without the maximum wait the two sides would wait for each other forever.
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
            SyntheticPattern pattern = SyntheticPattern.For(32, 24);
            for (ulong group = 0; group < 10; group++)
            {
                Task<FrameResult>[] requests = new Task<FrameResult>[3];
                for (int i = 0; i < 3; i++)
                {
                    requests[i] = sender.RequestAsync(pattern.Frame((group * 3) + (ulong)i), 32, 24);
                }

                await Task.WhenAll(requests);
            }
        });

        var sizes = new List<int>();
        var sequences = new List<ulong>();
        await foreach (IReadOnlyList<DetachedFrame> batch in receiver.ReadBatchesAsync(16, TimeSpan.FromMilliseconds(50)).WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            sizes.Add(batch.Count);
            foreach (DetachedFrame frame in batch)
            {
                sequences.Add(frame.Sequence);
                await frame.ReplyAsync("ok"u8.ToArray());
            }
        }

        await sending.WaitAsync(s_bound);
        sequences.Should().Equal(Enumerable.Range(0, 30).Select(i => (ulong)i));
        sizes.Should().OnlyContain(size => size >= 1 && size <= 3, "a batch left after the maximum wait with what had come");
    }

    [Fact]
    public async Task Batches_OfAFastStream_AreFull()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task sending = SendPatternAsync(receiver, 100);

        var batches = new List<ulong[]>();
        await foreach (IReadOnlyList<DetachedFrame> batch in receiver.ReadBatchesAsync(16, TimeSpan.FromSeconds(30)).WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            batches.Add(batch.Select(frame => frame.Sequence).ToArray());
        }

        await sending.WaitAsync(s_bound);
        batches.SelectMany(batch => batch).Should().Equal(Enumerable.Range(0, 100).Select(i => (ulong)i));
        batches.Take(6).Should().OnlyContain(batch => batch.Length == 16, "100 frames make six full batches of 16 and one of 4");
        batches[^1].Should().HaveCount(4, "the last, partial batch is delivered when the sender ends");
    }

    [Fact]
    public async Task DetachedFrame_OutlivesTheIteration()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0");
        SyntheticPattern pattern = SyntheticPattern.For(32, 24);
        Task sending = SendPatternAsync(receiver, 5);

        var kept = new List<DetachedFrame>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            kept.Add(frame.Detach());
            if (kept.Count == 5)
            {
                break;
            }
        }

        kept.Should().HaveCount(5);
        foreach (DetachedFrame frame in kept)
        {
            frame.Payload.Span.SequenceEqual(pattern.Frame(frame.Sequence).Span).Should().BeTrue($"frame {frame.Sequence} is its own copy");
            frame.Dispose();
        }

        // The sender's END is answered once the frames detached from it are disposed.
        await sending.WaitAsync(s_bound);
    }

    // Frames 0 to count - 1 of the synthetic pattern from a FrameSender of its own; true when the receiver confirmed them all.
    private static Task<bool> SendPatternAsync(FrameReceiver receiver, int count, int width = 32, int height = 24, int stride = 0,
        FrameSenderOptions? options = null) => Task.Run(async () =>
    {
        SyntheticPattern pattern = SyntheticPattern.For(width, height, stride);
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint, options);
        for (ulong sequence = 0; sequence < (ulong)count; sequence++)
        {
            (await sender.SendAsync(pattern.Frame(sequence), width, height, stride)).Should().BeTrue();
        }

        return await sender.CompleteAsync();
    });
}
