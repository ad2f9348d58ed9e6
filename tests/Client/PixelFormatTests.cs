using System.Runtime.InteropServices;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Client.ReceivedFrame;

namespace RawFrames.Tests.Client;

/// <summary>Every pixel format the protocol carries goes out from memory with a stride, or from a pointer, and arrives byte for byte.</summary>
public sealed class PixelFormatTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    public static TheoryData<PixelFormat, int> Formats => new()
    {
        { PixelFormat.Bgr24, 0 },
        { PixelFormat.Bgr24, 64 * 3 + 17 },
        { PixelFormat.Rgb24, 64 * 3 + 5 },
        { PixelFormat.Bgra32, 0 },
        { PixelFormat.Gray8, 80 },
        { PixelFormat.J420, 0 },
        { PixelFormat.I420, 72 },
        { PixelFormat.Nv12, 64 },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task FromMemoryWithAStride_AndFromAPointer_TheBytesArriveAsSent(PixelFormat pixelFormat, int stride)
    {
        var format = new FrameFormat(pixelFormat, 64, 48, stride);
        byte[] pixels = new byte[format.PayloadLength];
        new Random((int)pixelFormat).NextBytes(pixels);
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
            (await sender.SendAsync(pixels, format)).Should().BeTrue();
            GCHandle pinned = GCHandle.Alloc(pixels, GCHandleType.Pinned);
            try
            {
                (await sender.SendAsync(pinned.AddrOfPinnedObject(), pixels.Length, format)).Should().BeTrue();
            }
            finally
            {
                pinned.Free();
            }

            (await sender.CompleteAsync()).Should().BeTrue();
        });

        int received = 0;
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            (frame.PixelFormat, frame.Width, frame.Height, frame.Stride).Should().Be((pixelFormat, 64, 48, format.Stride));
            frame.Payload.ToArray().Should().Equal(pixels);
            received++;
        }

        await sending;
        received.Should().Be(2);
    }

    [Theory]
    [InlineData(PixelFormat.Rgb24)]
    [InlineData(PixelFormat.Bgra32)]
    [InlineData(PixelFormat.Gray8)]
    public async Task Bgr_ConvertsTheRawLayouts(PixelFormat pixelFormat)
    {
        // One pixel value everywhere, so that the expected BGR is plain: (b, g, r) = (10, 20, 30), grey 40.
        var format = new FrameFormat(pixelFormat, 8, 4);
        byte[] one = pixelFormat switch
        {
            PixelFormat.Rgb24 => [30, 20, 10],
            PixelFormat.Bgra32 => [10, 20, 30, 255],
            _ => [40],
        };
        byte[] pixels = [.. Enumerable.Repeat(one, 32).SelectMany(pixel => pixel)];
        byte[] expected = [.. Enumerable.Repeat<byte[]>(pixelFormat == PixelFormat.Gray8 ? [40, 40, 40] : [10, 20, 30], 32).SelectMany(pixel => pixel)];

        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
            await sender.SendAsync(pixels, format);
        });

        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            frame.Bgr().ToArray().Should().Equal(expected);
        }

        await sending;
    }

    [Fact]
    public async Task TooFewBytesForTheFormat_IsRefusedBeforeAnythingIsSent()
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0");
        await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);

        Func<Task> shortBuffer = async () => await sender.SendAsync(new byte[100], FrameFormat.Bgr24(64, 48));

        await shortBuffer.Should().ThrowAsync<ArgumentException>().WithMessage("*100 bytes are fewer than*9216*");
        sender.NextSequence.Should().Be(0);
    }

    [Fact]
    public async Task AnEncodedPayload_GoesAsItIs()
    {
        byte[] png;
        using (var encoder = FrameCodecs.CreateEncoder(Codec.Png, new EncoderSettings()))
        {
            byte[] image = TestImages.Smooth(40, 30);
            png = new byte[encoder.MaxEncodedSize(40, 30)];
            png = png[..encoder.Encode(image, 40, 30, 120, png)];
        }

        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true });
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint);
            await sender.SendEncodedAsync(png, Codec.Png, PixelFormat.Bgr24, 40, 30);
        });

        await foreach (ReceivedFrame frame in receiver.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_bound).Token))
        {
            (frame.Codec, frame.Payload.ToArray()).Should().BeEquivalentTo((Codec.Png, png));
            frame.Bgr().ToArray().Should().Equal(TestImages.Smooth(40, 30), "PNG is lossless");
        }

        await sending;
    }
}
