using RawFrames.Client;
using RawFrames.Programs.Sources;

namespace RawFrames.Tests.Programs;

public sealed class StreamFrameSourceTests
{
    private const int Width = 4, Height = 2, FrameBytes = Width * Height * 3;

    [Fact]
    public async Task SkippedFrames_AreReadAndDropped_AndFramesInFlightStayIntact()
    {
        using var source = new StreamFrameSource(new MemoryStream(Frames(10)), Width, Height, PixelFormat.Bgr24, 0, framesInFlight: 2, "test");

        ReadOnlyMemory<byte> first = (await source.ReadAsync(0, default))!.Value;
        ReadOnlyMemory<byte> second = (await source.ReadAsync(1, default))!.Value;
        ReadOnlyMemory<byte> fifth = (await source.ReadAsync(5, default))!.Value;

        first.Span[0].Should().Be(0, "two frames may be in flight: frame 0 is intact after two more reads");
        second.Span[0].Should().Be(1);
        fifth.Span.ToArray().Should().AllBeEquivalentTo((byte)5, "frames 2 to 4 were read past");
        source.FramesRead.Should().Be(6);
        (await source.ReadAsync(9, default))!.Value.Span[0].Should().Be(9);
        (await source.ReadAsync(10, default)).Should().BeNull("the stream is over");
    }

    [Fact]
    public async Task TheFirstSequenceAsked_IsTheStreamsFirstFrame_AndPlanarSizesFollowTheLayout()
    {
        using var source = new StreamFrameSource(new MemoryStream(new byte[(5 * 3) + (2 * 3 * 2)]), 5, 3, PixelFormat.J420, 25, 1, "test");

        source.Stride.Should().Be(5);
        source.FrameBytes.Should().Be(27, "a 5x3 J420 frame is 15 luma bytes and two 3x2 chroma planes");
        (await source.ReadAsync(100, default)).Should().NotBeNull();
        (await source.ReadAsync(101, default)).Should().BeNull();
        Func<Task> backwards = async () => await source.ReadAsync(50, default);
        await backwards.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task AStreamEndingInsideAFrame_IsAnError_ThatSaysWhere()
    {
        byte[] bytes = Frames(2);
        using var source = new StreamFrameSource(new MemoryStream(bytes[..^5]), Width, Height, PixelFormat.Bgr24, 0, 1, "standard input");

        (await source.ReadAsync(0, default)).Should().NotBeNull();
        Func<Task> cut = async () => await source.ReadAsync(1, default);
        (await cut.Should().ThrowAsync<EndOfStreamException>()).WithMessage("standard input ended in the middle of frame 1: 19 of 24 bytes*");
    }

    [Fact]
    public async Task AWriterThatFailed_IsReportedAtTheEnd()
    {
        using var source = new StreamFrameSource(new MemoryStream(Frames(1)), Width, Height, PixelFormat.Bgr24, 0, 1, "ffmpeg (cam)", endProblem: () => "ffmpeg exited with code 1");

        (await source.ReadAsync(0, default)).Should().NotBeNull();
        Func<Task> end = async () => await source.ReadAsync(1, default);
        (await end.Should().ThrowAsync<IOException>()).WithMessage("ffmpeg (cam): ffmpeg exited with code 1");
    }

    [Theory]
    [InlineData("stdin:640x480", "stdin", PixelFormat.Bgr24, 0)]
    [InlineData("stdin:640x480:i420@30", "stdin", PixelFormat.I420, 30)]
    [InlineData("stdin:640x480:yuvj420p", "stdin", PixelFormat.J420, 0)]
    [InlineData("ffmpeg:rtsp://user:secret@camera/stream1", "ffmpeg", PixelFormat.Bgr24, 0)]
    public void SourceSpecs_Parse(string text, string kind, PixelFormat format, double fps)
    {
        SourceSpec spec = SourceSpec.Parse(text);

        spec.Kind.Should().Be(kind);
        spec.StdinFormat.Should().Be(format);
        spec.Fps.Should().Be(fps);
        spec.IsStream.Should().BeTrue();
    }

    [Theory]
    [InlineData("stdin:640x480:rgb48", "pixel format rgb48 is not one of")]
    [InlineData("stdin", "is not understood")]
    [InlineData("ffmpeg:", "needs an input")]
    [InlineData("folder:/no/such/dir", "no such directory")]
    public void BadSourceSpecs_SayWhy(string text, string why)
    {
        Action parse = () => SourceSpec.Parse(text);

        parse.Should().Throw<FormatException>().WithMessage($"*{why}*");
    }

    private static byte[] Frames(int count) =>
        Enumerable.Range(0, count).SelectMany(frame => Enumerable.Repeat((byte)frame, FrameBytes)).ToArray();
}
