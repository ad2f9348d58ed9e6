using RawFrames.Client.Statistics;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming.Stats;

namespace RawFrames.Tests.Streaming;

public sealed class AckTrackerTests
{
    [Fact]
    public void Ack_ForASentFrame_IsTimed_AndOneOutsideTheWindowIsCountedUntimed()
    {
        var tracker = new AckTracker();
        tracker.OnSending(5);
        Thread.Sleep(2);

        tracker.OnAck(new Ack(0, 5, 0));
        tracker.OnSending(5 + AckTracker.Window); // the same slot, a later frame
        tracker.OnAck(new Ack(0, 5, 0));          // a stale ACK for the overwritten one
        tracker.OnAck(new Ack(0, 99, 0));         // never sent

        tracker.Acknowledged.Should().Be(3);
        tracker.Untimed.Should().Be(2);
        tracker.RoundTrip.Count.Should().Be(1);
        tracker.RoundTrip.PercentileMs(50).Should().BeGreaterThanOrEqualTo(1.5);
    }
}
