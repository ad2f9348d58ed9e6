using OpenCvSharp;
using RawFrames.Client;
using RawFrames.OpenCv;

namespace RawFrames.Tests.OpenCv;

/// <summary>
/// One frame type for every consumer: a frame read from a recording becomes a Mat (a view of the reader's memory,
/// emptied when the reader reads on), is decoded into a Mat, and becomes a tensor, through the same calls received
/// and detached frames use.
/// </summary>
public sealed class RecordedMatTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawframes-recorded-mat-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ARecordedFrame_IsAMatViewUntilTheReaderReadsOn_AndDecodesAndConvertsLikeAReceivedOne()
    {
        using var photo = new Mat(48, 64, MatType.CV_8UC3);
        Cv2.Randu(photo, Scalar.All(0), Scalar.All(255));
        photo.GetArray(out Vec3b[] pixels);
        byte[] bgr = [.. pixels.SelectMany(p => new[] { p.Item0, p.Item1, p.Item2 })];
        string path = Path.Combine(_directory, "two.rfrec");
        using (RecordingWriter writer = RecordingWriter.Create(path, 1))
        {
            writer.WriteFrame(FrameInfo.Raw(FrameFormat.Bgr24(64, 48), 0, 10, 1_000), [], bgr);
            writer.WriteFrame(FrameInfo.Raw(FrameFormat.Bgr24(64, 48), 0, 11, 2_000), [], new byte[bgr.Length]);
        }

        using RecordingReader reader = RecordingReader.Open(path);
        reader.Read(out RecordedFrame first).Should().BeTrue();
        (first.Sequence, first.Width, first.Height, first.Codec).Should().Be((10UL, 64, 48, Codec.Raw));

        Mat view = first.ToMat();
        using var difference = new Mat();
        Cv2.Absdiff(view, photo, difference);
        Cv2.CountNonZero(difference.Reshape(1)).Should().Be(0, "the view shows the recorded pixels");
        using var decoded = new Mat();
        first.DecodeInto(decoded);
        Cv2.Absdiff(decoded, photo, difference);
        Cv2.CountNonZero(difference.Reshape(1)).Should().Be(0, "converted to BGR as a received frame is");
        using var converter = new TensorConverter(new TensorSpec(32, 24) { Element = TensorElement.UInt8, Layout = TensorLayout.Hwc, Order = ChannelOrder.Bgr });
        byte[] tensor = new byte[converter.Spec.ByteCount];
        converter.Convert(first, tensor).Should().NotBeNull();
        tensor.Should().Contain(b => b != 0, "the tensor holds the recorded image");

        reader.Read(out RecordedFrame second).Should().BeTrue();

        view.Empty().Should().BeTrue("the reader's memory now holds the next frame, so the view of the first was emptied");
        second.Sequence.Should().Be(11UL);
        FluentActions.Invoking(() => first.ToMat()).Should().Throw<InvalidOperationException>().WithMessage("*read on*");
        FluentActions.Invoking(() => first.DecodeBgr(new byte[bgr.Length])).Should().Throw<InvalidOperationException>();
    }
}
