using System.Runtime.InteropServices;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Tests.Support;

namespace RawFrames.Tests.Client.Sinks;

/// <summary>The library's receiving stages, as the programs compose them: every frame to the encoded ones, compressed frames decoded once for all decoded ones, in order.</summary>
public sealed class SinkPipelineTests
{
    [Fact]
    public async Task PngFrames_AreDecodedOnce_AndEveryDecodedSinkGetsThoseSamePixels_InOrder()
    {
        using var codecs = new CodecPool();
        var encoded = new CollectingSink();
        var first = new CollectingSink();
        var second = new CollectingSink();
        using var pipeline = new SinkPipeline([encoded, first, second],
            new SinkPipelineOptions { DecodeTo = DecodeTarget.Bgr, DecoderThreads = 3, Check = () => new FirstByte() });
        byte[] image = TestImages.Smooth(40, 30);
        byte[] png;
        using (CodecPool.Lease<IFrameEncoder> encoder = codecs.RentEncoder(Codec.Png))
        {
            png = new byte[encoder.Codec.MaxEncodedSize(40, 30)];
            png = png[..encoder.Codec.Encode(image, 40, 30, 120, png)];
        }

        await using (ConnectionSinks stages = pipeline.ForConnection())
        {
            for (ulong sequence = 0; sequence < 20; sequence++)
            {
                var header = FrameInfo.Encoded(Codec.Png, PixelFormat.Bgr24, 40, 30, 0, sequence, 0);
                await stages.OnFrameAsync(new SinkFrame(0, "peer", header, png, default, false, pipeline.DecodesTo(header)));
            }
        }

        encoded.Frames.Should().Equal(Enumerable.Range(0, 20).Select(i => (ulong)i), "every frame reaches the encoded stage as it arrives");
        first.Decoded.Select(d => d.Sequence).Should().Equal(Enumerable.Range(0, 20).Select(i => (ulong)i), "decoded frames come in sequence order");
        first.Decoded.Should().Equal(second.Decoded, "both sinks saw the same decoder output (same buffer, same bytes): one decode per frame");
        first.Pixels.Should().OnlyContain(pixels => pixels.SequenceEqual(image), "PNG is lossless");
        first.Measured.Should().OnlyContain(measured => measured == image[0], "each decoder thread's check measured the pixels it decoded");
    }

    [Fact]
    public void RawFrames_AreNeverDecoded()
    {
        using var pipeline = new SinkPipeline([], new SinkPipelineOptions { DecodeTo = DecodeTarget.Bgr, DecoderThreads = 1 });

        pipeline.DecodesTo(FrameInfo.Raw(FrameFormat.Bgr24(4, 4), 0, 0, 0)).Should().BeNull();
        pipeline.DecodesTo(FrameInfo.Encoded(Codec.Jpeg, PixelFormat.Bgr24, 4, 4, 0, 0, 0)).Should().Be(DecodeTarget.Bgr);
    }

    private sealed class CollectingSink : IFrameSink, IDecodedSink
    {
        public List<ulong> Frames { get; } = [];

        public List<(ulong Sequence, byte[] Buffer, int Offset)> Decoded { get; } = [];

        public List<byte[]> Pixels { get; } = [];

        public List<double> Measured { get; } = [];

        public void OnFrame(in SinkFrame frame) => Frames.Add(frame.Info.Sequence);

        public void OnDecoded(in SinkFrame frame, in DecodedPixels pixels)
        {
            pixels.Error.Should().BeNull();
            MemoryMarshal.TryGetArray(pixels.Pixels, out ArraySegment<byte> segment).Should().BeTrue();
            Decoded.Add((frame.Info.Sequence, segment.Array!, segment.Offset));
            Pixels.Add(pixels.Pixels.ToArray());
            Measured.Add(pixels.Measured);
        }
    }

    private sealed class FirstByte : IPixelCheck
    {
        public double Measure(in FrameInfo frame, DecodeTarget target, ReadOnlySpan<byte> pixels) => pixels[0];
    }
}
