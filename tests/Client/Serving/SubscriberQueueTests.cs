using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;
using RawFrames.Client.Serving;
using RawFrames.Programs.Sources;

namespace RawFrames.Tests.Client.Serving;

/// <summary>PROTOCOL.md §16 policies as the relay applies them, one queue at a time; and one encode per codec.</summary>
public sealed class SubscriberQueueTests
{
    private static readonly FrameBuffers s_buffers = new();

    [Fact]
    public async Task Lossless_KeepsEveryFrameInOrder_WithinItsBound()
    {
        using var queue = new SubscriberQueue(DeliveryPolicy.Lossless, 4, WhenFull.SwitchToLatest);
        SharedFrame[] frames = Frames(4);
        foreach (SharedFrame frame in frames)
        {
            queue.Offer(frame).Should().BeTrue();
        }

        for (int i = 0; i < 4; i++)
        {
            SharedFrame taken = (await queue.TakeAsync(CancellationToken.None))!;
            taken.Header.Sequence.Should().Be((ulong)i);
            taken.Release();
        }

        queue.Dropped.Should().Be(0);
        queue.Policy.Should().Be(DeliveryPolicy.Lossless);
        ReleaseAllAndCheckNoneIsHeld(frames);
    }

    [Fact]
    public async Task Lossless_FullUnderSwitchToLatest_DropsTheBacklog_AndGoesOnWithTheNewest()
    {
        using var queue = new SubscriberQueue(DeliveryPolicy.Lossless, 3, WhenFull.SwitchToLatest);
        SharedFrame[] frames = Frames(6);
        foreach (SharedFrame frame in frames)
        {
            queue.Offer(frame).Should().BeTrue();
        }

        queue.Policy.Should().Be(DeliveryPolicy.Latest);
        queue.SwitchedToLatestAt.Should().NotBeNull();
        queue.Dropped.Should().Be(5, "the three queued when the fourth came, then each older one as a newer arrived");
        SharedFrame only = (await queue.TakeAsync(CancellationToken.None))!;
        only.Header.Sequence.Should().Be(5);
        only.Release();
        queue.Depth.Should().Be(0);
        ReleaseAllAndCheckNoneIsHeld(frames);
    }

    [Fact]
    public async Task Lossless_FullUnderDisconnect_Overflows_AndTheReaderIsToldToStop()
    {
        using var queue = new SubscriberQueue(DeliveryPolicy.Lossless, 2, WhenFull.Disconnect);
        SharedFrame[] frames = Frames(3);
        queue.Offer(frames[0]).Should().BeTrue();
        queue.Offer(frames[1]).Should().BeTrue();

        queue.Offer(frames[2]).Should().BeFalse();

        queue.Overflowed.Should().BeTrue();
        (await queue.TakeAsync(CancellationToken.None)).Should().BeNull("an overflowed subscription is closed, not drained");
        queue.Dispose();
        ReleaseAllAndCheckNoneIsHeld(frames);
    }

    [Fact]
    public async Task Latest_HoldsOnlyTheNewest_AndCountsTheRest()
    {
        using var queue = new SubscriberQueue(DeliveryPolicy.Latest, 8, WhenFull.SwitchToLatest);
        SharedFrame[] frames = Frames(10);
        foreach (SharedFrame frame in frames)
        {
            queue.Offer(frame);
        }

        queue.Depth.Should().Be(1);
        queue.Dropped.Should().Be(9);
        SharedFrame newest = (await queue.TakeAsync(CancellationToken.None))!;
        newest.Header.Sequence.Should().Be(9);
        newest.Release();
        ReleaseAllAndCheckNoneIsHeld(frames);
    }

    [Fact]
    public async Task TakeAsync_WaitsForAFrame_AndEndsWhenComplete()
    {
        using var queue = new SubscriberQueue(DeliveryPolicy.Lossless, 4, WhenFull.SwitchToLatest);
        ValueTask<SharedFrame?> waiting = queue.TakeAsync(CancellationToken.None);
        waiting.IsCompleted.Should().BeFalse();
        SharedFrame[] frames = Frames(1);
        queue.Offer(frames[0]);
        SharedFrame taken = (await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)))!;
        taken.Release();

        queue.Complete();
        (await queue.TakeAsync(CancellationToken.None)).Should().BeNull();
        queue.Offer(frames[0]).Should().BeFalse("nothing is offered after the end");
        ReleaseAll(frames);
    }

    [Fact]
    public void ALosslessQueue_IsBoundedByTheOperatorsBytes_WhateverFramesItAskedFor()
    {
        SharedFrame[] frames = Frames(6);
        long size = frames[0].Size;
        var budget = new QueueBudget(perSubscriber: 3 * size, total: long.MaxValue);
        using (var queue = new SubscriberQueue(DeliveryPolicy.Lossless, Subscription.MaxQueueFrames, WhenFull.SwitchToLatest, budget))
        {
            foreach (SharedFrame frame in frames[..3])
            {
                queue.Offer(frame).Should().BeTrue();
            }

            (queue.Policy, queue.FullBy, budget.Queued).Should().Be((DeliveryPolicy.Lossless, QueueBound.None, 3 * size));
            queue.Offer(frames[3]).Should().BeTrue();
            (queue.Policy, queue.FullBy, queue.Depth).Should().Be((DeliveryPolicy.Latest, QueueBound.SubscriberBytes, 1),
                "a fourth frame is past the 3 frames' bytes the operator allows, though the subscriber asked for 1,024 frames");
            queue.MaxDepthBytes.Should().Be(3 * size);
            budget.Queued.Should().Be(size);
        }

        budget.Queued.Should().Be(0, "a disposed queue gives its frames' bytes back");
        ReleaseAllAndCheckNoneIsHeld(frames);
    }

    [Fact]
    public async Task TheTotalBound_CountsAFrameQueuedForManySubscribersOnce_AndFillsTheQueuesThatHoldFrames()
    {
        SharedFrame[] frames = Frames(5);
        long size = frames[0].Size;
        var budget = new QueueBudget(perSubscriber: long.MaxValue, total: 4 * size);
        using var first = new SubscriberQueue(DeliveryPolicy.Lossless, 64, WhenFull.Disconnect, budget);
        using var second = new SubscriberQueue(DeliveryPolicy.Lossless, 64, WhenFull.Disconnect, budget);
        foreach (SharedFrame frame in frames[..4])
        {
            first.Offer(frame).Should().BeTrue();
            second.Offer(frame).Should().BeTrue();
        }

        budget.Queued.Should().Be(4 * size, "four frames are held, each by two queues");
        first.Offer(frames[4]).Should().BeFalse();
        (first.Overflowed, first.FullBy).Should().Be((true, QueueBound.TotalBytes));
        (await second.TakeAsync(CancellationToken.None))!.Release();
        budget.Queued.Should().Be(4 * size, "frame 0 is still queued for the first subscriber");
        ReleaseAll(frames);
    }

    [Fact]
    public void AFrameWantedAsJpegByManySubscribers_IsEncodedOnce()
    {
        var pattern = SyntheticPattern.For(64, 48);
        using var codecs = new CodecPool();
        var transcoder = new Transcoder(codecs);
        SharedFrame frame = SharedFrame.Copy(FrameHeader.ForRaw(PixelFormat.Bgr24, 64, 48, 0, 1, 7, 0), default, pattern.Frame(7).Span, new FrameBuffers());

        (FrameHeader first, ReadOnlyMemory<byte> firstPayload) = frame.As(Codec.Jpeg, transcoder);
        (FrameHeader second, ReadOnlyMemory<byte> secondPayload) = frame.As(Codec.Jpeg, transcoder);
        (FrameHeader asReceived, ReadOnlyMemory<byte> raw) = frame.As(null, transcoder);

        first.Codec.Should().Be(Codec.Jpeg);
        first.Sequence.Should().Be(7);
        secondPayload.Equals(firstPayload).Should().BeTrue("the second subscriber gets the same encoded bytes");
        transcoder.Made().Should().Equal(new Dictionary<Codec, long> { [Codec.Jpeg] = 1 });
        asReceived.Codec.Should().Be(Codec.Raw);
        raw.ToArray().Should().Equal(pattern.Frame(7).ToArray());
        using var decoder = FrameCodecs.CreateDecoder(Codec.Jpeg, DecodeTarget.Bgr);
        byte[] decoded = new byte[64 * 48 * 3];
        decoder.Decode(firstPayload.Span, 64, 48, decoded); // a corrupt JPEG would throw
        decoded.Should().Contain(b => b != 0);
        frame.Release();
    }

    private static SharedFrame[] Frames(int count)
    {
        var pattern = SyntheticPattern.For(8, 8);
        return [.. Enumerable.Range(0, count).Select(i =>
            SharedFrame.Copy(FrameHeader.ForRaw(PixelFormat.Bgr24, 8, 8, 0, 1, (ulong)i, 0), default, pattern.Frame((ulong)i).Span, s_buffers))];
    }

    // The hub's own reference, released after offering (as FrameHub.Publish does).
    private static void ReleaseAll(SharedFrame[] frames)
    {
        foreach (SharedFrame frame in frames)
        {
            frame.Release();
        }
    }

    private static void ReleaseAllAndCheckNoneIsHeld(SharedFrame[] frames)
    {
        ReleaseAll(frames);
        frames.Should().OnlyContain(f => f.References == 0, "every reference the queue took was given back");
    }
}
