using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Programs.Sources;
using RawFrames.Programs.Stats;

namespace RawFrames.Tests.Programs;

public sealed class ProgramPartsTests
{
    [Fact]
    public void SyntheticPattern_ConsecutiveFramesDiffer_AndRegenerateIdentically()
    {
        SyntheticPattern pattern = SyntheticPattern.For(1920, 1080);
        var firstPixels = new HashSet<int>();
        for (ulong seq = 0; seq < 5000; seq++)
        {
            ReadOnlySpan<byte> frame = pattern.Frame(seq).Span;
            frame.Length.Should().Be(1920 * 1080 * 3);
            firstPixels.Add(frame[0] | (frame[1] << 8) | (frame[2] << 16)).Should().BeTrue($"frame {seq} must differ from all earlier ones");
        }

        SyntheticPattern.For(1920, 1080).Frame(1234).Span.SequenceEqual(pattern.Frame(1234).Span).Should().BeTrue();
        pattern.Frame(1).Span.SequenceEqual(pattern.Frame(2).Span).Should().BeFalse();
    }

    [Theory]
    [InlineData("synthetic", 1920, 1080, 0)]
    [InlineData("synthetic:640x480", 640, 480, 0)]
    [InlineData("synthetic:1280x720@30", 1280, 720, 30)]
    [InlineData("synthetic@12.5", 1920, 1080, 12.5)]
    public void SourceSpec_Parses(string text, int width, int height, double fps) =>
        SourceSpec.Parse(text).Should().Be(new SourceSpec("synthetic", width, height, fps));

    [Fact]
    public void NoiseSource_FramesAreExactlyTheSizeAskedFor_PackedAndDifferent()
    {
        SourceSpec spec = SourceSpec.Parse("NOISE:1000x1000@30");
        spec.Should().Be(new SourceSpec("noise", 1000, 1000, 30));
        IIndexedFrameSource noise = spec.Open();

        (noise.Width, noise.Height, noise.Stride).Should().Be((1000, 1000, 3000));
        noise.Frame(0).Length.Should().Be(3_000_000);
        noise.Frame(1).Span.SequenceEqual(noise.Frame(0).Span).Should().BeFalse();
    }

    [Theory]
    [InlineData("camera")]
    [InlineData("synthetic:0x480")]
    [InlineData("synthetic:640x")]
    public void SourceSpec_RejectsWithTheSyntax(string text) =>
        FluentActions.Invoking(() => SourceSpec.Parse(text)).Should().Throw<FormatException>().WithMessage("*synthetic*");

    [Theory]
    [InlineData("tcp://127.0.0.1:5555", "127.0.0.1", 5555, null)]
    [InlineData("tcp://[::1]:80", "::1", 80, null)]
    [InlineData("tcp://camera-host:0", "camera-host", 0, null)]
    [InlineData("unix:///tmp/x.sock", null, 0, "/tmp/x.sock")]
    public void Endpoint_Parses(string text, string? host, int port, string? path)
    {
        FrameEndpoint endpoint = FrameEndpoint.Parse(text);
        (endpoint.Host, endpoint.Port, endpoint.UnixPath).Should().Be((host, port, path));
    }

    [Theory]
    [InlineData("localhost:5555", "unknown scheme")]
    [InlineData("tcp://::1:80", "brackets")]
    [InlineData("tcp://host:70000", "port")]
    [InlineData("unix://relative.sock", "absolute")]
    public void Endpoint_RejectsWithAReason(string text, string reason) =>
        FluentActions.Invoking(() => FrameEndpoint.Parse(text)).Should().Throw<FormatException>().WithMessage($"*{reason}*");

    [Fact]
    public void LatencyHistogram_PercentilesAreWithinItsResolution()
    {
        var histogram = new LatencyHistogram();
        for (int micros = 1; micros <= 10_000; micros++)
        {
            histogram.RecordNanoseconds(micros * 1000L);
        }

        histogram.PercentileMs(50).Should().BeApproximately(5.0, 5.0 * 0.07);
        histogram.PercentileMs(99).Should().BeApproximately(9.9, 9.9 * 0.07);
        histogram.Count.Should().Be(10_000);
        new LatencyHistogram().PercentileMs(50).Should().Be(double.NaN);
    }

    [Fact]
    public void SequenceTracker_CountsGapsAndBackwardSteps()
    {
        var tracker = new SequenceTracker();
        foreach (ulong seq in new ulong[] { 5, 6, 9, 9, 7, 10 })
        {
            tracker.Observe(seq);
        }

        (tracker.First, tracker.Last, tracker.Frames, tracker.Gaps, tracker.Backwards).Should().Be((5UL, 10UL, 6L, 2L, 2L));
    }

    [Fact]
    public void RunSummary_WritesJsonWithNullForMissingFigures()
    {
        string json = new RunSummary().Add("frames", 3L).Add("fps", double.NaN).Add("ok", true).Add("name", "x").ToJson();

        json.Should().Be("{\"frames\":3,\"fps\":null,\"ok\":true,\"name\":\"x\"}");
    }
}
