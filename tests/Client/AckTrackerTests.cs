using RawFrames.Client.Statistics;
using RawFrames.Protocol.Wire;

namespace RawFrames.Tests.Client;

public sealed class AckTrackerTests
{
    [Fact]
    public void Ack_ForASentFrame_IsTimed_AndOneOutsideTheWindowIsCountedUntimed()
    {
        var clock = new SteppedClock();
        var tracker = new AckTracker(clock);
        tracker.OnSending(5);
        clock.Advance(TimeSpan.FromMilliseconds(2));

        tracker.OnAck(new Ack(0, 5, 0));
        tracker.OnSending(5 + AckTracker.Window); // the same slot, a later frame
        tracker.OnAck(new Ack(0, 5, 0));          // a stale ACK for the overwritten one
        tracker.OnAck(new Ack(0, 99, 0));         // never sent

        tracker.Acknowledged.Should().Be(3);
        tracker.Untimed.Should().Be(2);
        tracker.RoundTrip.Count.Should().Be(1);
        tracker.RoundTrip.PercentileMs(50).Should().BeApproximately(2, 0.15, "the histogram's buckets are about 6 % wide");
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
