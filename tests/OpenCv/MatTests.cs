using OpenCvSharp;
using RawFrames.Client;
using RawFrames.OpenCv;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.OpenCv;

/// <summary>Mats out as they are in memory, Mats in as views with an enforced lifetime, JPEG decoded into a reused Mat: OpenCV really runs.</summary>
public sealed class MatTests : IDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"rawframes-mat-{Guid.NewGuid():N}.sock");

    public void Dispose() => File.Delete(_socket);

    public static TheoryData<string> Transports => ["tcp", "shm"];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Mats_OfEveryType_AndROIs_ArriveAsMatsEqualToWhatWasSent(string transport)
    {
        using var photo = new Mat(120, 160, MatType.CV_8UC3);
        Cv2.Randu(photo, Scalar.All(0), Scalar.All(255));
        using var gray = new Mat();
        Cv2.CvtColor(photo, gray, ColorConversionCodes.BGR2GRAY);
        using var bgra = new Mat();
        Cv2.CvtColor(photo, bgra, ColorConversionCodes.BGR2BGRA);
        using var middle = new Mat(photo, new Rect(10, 20, 50, 40)); // step 480, not 150: sent with its step
        using var corner = new Mat(photo, new Rect(110, 80, 50, 40)); // ends where the parent's memory ends: the one copied case
        Mat[] sent = [photo, gray, bgra, middle, corner];
        middle.IsContinuous().Should().BeFalse();

        await using FrameReceiver receiver = await ListenAsync(transport);
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(transport == "tcp" ? receiver.Endpoint : $"shm://{_socket}");
            foreach (Mat mat in sent)
            {
                (await sender.SendAsync(mat)).Should().BeTrue();
            }
        });

        int index = 0;
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            using Mat received = frame.ToMat();
            Mat expected = sent[index++];
            (received.Type(), received.Cols, received.Rows).Should().Be((expected.Type(), expected.Cols, expected.Rows));
            Cv2.Norm(received, expected, NormTypes.INF).Should().Be(0, $"Mat {index - 1} arrives pixel for pixel");
        }

        await sending;
        index.Should().Be(sent.Length);
    }

    [Fact]
    public async Task AReceivedMat_IsEmptiedWhenTheIterationMovesOn_SoOpenCvThrowsInsteadOfReadingTheNextFrame()
    {
        using var first = new Mat(48, 64, MatType.CV_8UC3, Scalar.All(10));
        using var second = new Mat(48, 64, MatType.CV_8UC3, Scalar.All(200));
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
            await sender.SendAsync(first);
            await sender.SendAsync(second);
        });

        Mat? kept = null;
        DetachedFrame? detached = null;
        Mat? detachedMat = null;
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            if (kept is null)
            {
                kept = frame.ToMat();
                detached = frame.Detach();
                detachedMat = detached.ToMat();
                continue;
            }

            kept.Empty().Should().BeTrue("frame 0's Mat was emptied when the loop moved on, while frame 1 sits in the same buffer");
            kept.Data.Should().Be(IntPtr.Zero);
            using var blurred = new Mat();
            FluentActions.Invoking(() => Cv2.GaussianBlur(kept, blurred, new Size(3, 3), 0)).Should().Throw<OpenCVException>();
            Cv2.Mean(detachedMat!).Val0.Should().Be(10, "a detached frame's Mat lives until the frame is disposed");
            detached!.Dispose(); // before the sender's END: it is answered once detached frames are disposed
            detachedMat!.Empty().Should().BeTrue();
        }

        await sending;
        kept!.Dispose();
        detachedMat!.Dispose();
    }

    [Fact]
    public async Task JpegFrames_DecodeIntoOneReusedMat()
    {
        using var image = new Mat(240, 320, MatType.CV_8UC3);
        Cv2.GaussianBlur(Randomized(image), image, new Size(15, 15), 0);
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint, new FrameSenderOptions { Codec = Codec.Jpeg, Encoder = new EncoderSettings(Quality: 95) });
            for (int i = 0; i < 5; i++)
            {
                await sender.SendAsync(image);
            }
        });

        using var decoded = new Mat();
        var buffers = new HashSet<IntPtr>();
        int frames = 0;
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            FluentActions.Invoking(() => frame.ToMat()).Should().Throw<NotSupportedException>().WithMessage("*DecodeInto*");
            frame.DecodeInto(decoded);
            buffers.Add(decoded.Data);
            Cv2.PSNR(decoded, image).Should().BeGreaterThan(35);
            frames++;
        }

        await sending;
        frames.Should().Be(5);
        buffers.Should().ContainSingle("the Mat is allocated by the first frame and reused by the others");
    }

    [Fact]
    public async Task AnUnsupportedMatType_IsRefusedWithWhatIsSupported()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0");
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
        using var floats = new Mat(10, 10, MatType.CV_32FC3);

        Func<Task> send = async () => await sender.SendAsync(floats);

        await send.Should().ThrowAsync<ArgumentException>().WithMessage("*CV_32FC3*CV_8UC3 (BGR), CV_8UC1 (gray) and CV_8UC4 (BGRA)*");
    }

    private static Mat Randomized(Mat mat)
    {
        Cv2.Randu(mat, Scalar.All(0), Scalar.All(255));
        return mat;
    }

    private Task<FrameReceiver> ListenAsync(string transport) =>
        FrameReceiver.ListenAsync(transport == "tcp" ? "tcp://127.0.0.1:0" : $"unix://{_socket}", new FrameReceiverOptions { Once = true });
}
