using RawFrames.Programs.Streams;

namespace RawFrames.Tests.Programs;

public sealed class StreamIdsTests
{
    [Fact]
    public void SecondProducerWithTheSameId_GetsTheLowestFreeId_AndIsTold()
    {
        var ids = new StreamIds();
        var moved = new List<(uint Sent, uint Given, long HeldBy)>();
        using ConnectionStreams first = ids.ForConnection(1, (s, g, h) => moved.Add((s, g, h)));
        using ConnectionStreams second = ids.ForConnection(2, (s, g, h) => moved.Add((s, g, h)));

        first[0].Should().Be(0);
        first[1].Should().Be(1);
        second[0].Should().Be(2, "0 and 1 are live streams of the first producer");
        second[0].Should().Be(2, "a stream keeps its id for as long as its connection lasts");
        moved.Should().Equal((0u, 2u, 1L));
        second.Known.Should().Contain(0u, 2u);
    }

    [Fact]
    public void EndedConnection_FreesItsIds_ForTheNextProducer()
    {
        var ids = new StreamIds();
        ConnectionStreams first = ids.ForConnection(1);
        first[5].Should().Be(5);
        using (ConnectionStreams second = ids.ForConnection(2))
        {
            second[5].Should().Be(0);
        }

        first.Dispose();
        using ConnectionStreams third = ids.ForConnection(3);
        third[5].Should().Be(5, "the first producer's connection ended: its id is free again");
        third[0].Should().Be(0);
    }

    [Fact]
    public void HighestStreamId_IsAnOrdinaryId()
    {
        var ids = new StreamIds();
        using ConnectionStreams streams = ids.ForConnection(1);
        streams[uint.MaxValue].Should().Be(uint.MaxValue);
        streams[uint.MaxValue].Should().Be(uint.MaxValue);
    }
}
