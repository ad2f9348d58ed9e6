using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client;

/// <summary>Received frames into one contiguous batch tensor (N x 3 x H x W) with each image's origin and letterbox.</summary>
public sealed class TensorBatchTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ABatch_HoldsEachFrameAsItsOwnConverterMakesIt_WithSequencesAndLetterboxes()
    {
        // Three frames of different sizes and codecs: raw 160x90, JPEG 160x90, raw 90x160 (portrait).
        byte[] wide = TestImages.Smooth(160, 90);
        byte[] tall = TestImages.Smooth(90, 160);
        using var encoder = new JpegEncoder(90, ChromaSubsampling.S420);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(160, 90)];
        int jpegLength = encoder.Encode(wide, 160, 90, 160 * 3, jpeg);
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
            (await sender.SendAsync(wide, 160, 90)).Should().BeTrue();
            (await sender.SendJpegAsync(jpeg.AsMemory(0, jpegLength))).Should().BeTrue();
            (await sender.SendAsync(tall, 90, 160)).Should().BeTrue();
            (await sender.CompleteAsync()).Should().BeTrue();
        });

        var spec = new TensorSpec(64, 64);
        using var batch = new TensorBatch(spec, capacity: 3);
        using var single = new TensorConverter(spec);
        var singles = new List<float[]>();
        var sequences = new List<ulong>();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            float[] alone = new float[spec.ElementCount];
            single.Convert(frame, alone);
            singles.Add(alone);
            sequences.Add(frame.Sequence);
            bool full = batch.Add(frame);
            full.Should().Be(singles.Count == 3);
        }

        await sending;
        batch.Count.Should().Be(3);
        batch.Shape.Should().Equal(3, 3, 64, 64);
        batch.Floats.Length.Should().Be(3 * spec.ElementCount);
        for (int i = 0; i < 3; i++)
        {
            batch.Floats.Slice(i * spec.ElementCount, spec.ElementCount).ToArray().Should().Equal(singles[i], $"image {i} of the batch");
        }

        batch.Items.ToArray().Select(item => item.Sequence).Should().Equal(sequences);
        // 160x90 into 64x64: scale 0.4, content 64x36, 14 rows of border above.
        batch.Items[0].Letterbox.Should().Be(new Letterbox(64f / 160, 36f / 90, 0, 14, 160, 90));
        batch.Items[2].Letterbox.OffsetX.Should().Be(14, "a portrait frame is boxed left and right");

        var add = () => batch.Add(default);
        add.Should().Throw<InvalidOperationException>().WithMessage("*Clear*");
        batch.Clear();
        batch.Count.Should().Be(0);
        batch.Bytes.Length.Should().Be(0);
    }
}
