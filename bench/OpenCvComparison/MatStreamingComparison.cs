using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Net;
using OpenCvSharp;
using RawFrames.Bench.Content;
using RawFrames.Client;
using RawFrames.OpenCv;

namespace RawFrames.Bench.OpenCvComparison;

/// <summary>
/// An OpenCvSharp application streaming 1080p photo Mats as JPEG q80 over loopback TCP, both ends in one process:
/// through RawFrames (FrameSender.SendAsync(mat) with the JPEG codec, FrameReceiver and DecodeInto one reused Mat)
/// against the naive C# way (Cv2.ImEncode to a byte[], a 4-byte length and the bytes on a NetworkStream, ReadExactly
/// into a new byte[], Cv2.ImDecode to a new Mat). Frames per second and CPU per frame for both ends together.
/// </summary>
internal static class MatStreamingComparison
{
    public sealed record Row(string Way, double Fps, double CpuMsPerFrame, double AllocatedKbPerFrame);

    public static async Task<List<Row>> RunAsync(TimeSpan duration, int rounds)
    {
        FrameContent photo = FrameContent.Get(ContentKind.Photo1080);
        using Mat image = Mat.FromPixelData(photo.Height, photo.Width, MatType.CV_8UC3, photo.Bgr);
        var library = new List<Row>();
        var fast = new List<Row>();
        var naive = new List<Row>();
        for (int round = 0; round < rounds; round++)
        {
            library.Add(await MeasureAsync("RawFrames + RawFrames.OpenCv", () => ThroughRawFramesAsync(image, duration, fastDecode: false)));
            fast.Add(await MeasureAsync("RawFrames + RawFrames.OpenCv, FastDecode", () => ThroughRawFramesAsync(image, duration, fastDecode: true)));
            naive.Add(await MeasureAsync("naive: ImEncode + NetworkStream + ImDecode", () => NaiveAsync(image, duration)));
        }

        return [Median(library), Median(fast), Median(naive)];
    }

    private static async Task<Row> MeasureAsync(string way, Func<Task<long>> run)
    {
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        long started = Stopwatch.GetTimestamp();
        long frames = await run();
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Row(way, frames / seconds, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / frames,
            (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / frames);
    }

    private static async Task<long> ThroughRawFramesAsync(Mat image, TimeSpan duration, bool fastDecode)
    {
        await using FrameReceiver receiver = await FrameReceiver.ListenAsync("tcp://127.0.0.1:0", new FrameReceiverOptions { Once = true, FastDecode = fastDecode });
        Task sending = Task.Run(async () =>
        {
            await using FrameSender sender = await FrameSender.ConnectAsync(receiver.Endpoint,
                new FrameSenderOptions { Codec = Client.Codec.Jpeg, Encoder = new EncoderSettings(Quality: 80) });
            long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end)
            {
                await sender.SendAsync(image);
            }
        });

        long frames = 0;
        using var decoded = new Mat();
        await foreach (ReceivedFrame frame in receiver.ReadAllAsync())
        {
            frame.DecodeInto(decoded);
            frames++;
        }

        await sending;
        return frames;
    }

    private static async Task<long> NaiveAsync(Mat image, TimeSpan duration)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task sending = Task.Run(async () =>
        {
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            await using NetworkStream stream = client.GetStream();
            byte[] prefix = new byte[4];
            var quality = new ImageEncodingParam(ImwriteFlags.JpegQuality, 80);
            long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end)
            {
                Cv2.ImEncode(".jpg", image, out byte[] jpeg, quality);
                BinaryPrimitives.WriteInt32LittleEndian(prefix, jpeg.Length);
                await stream.WriteAsync(prefix);
                await stream.WriteAsync(jpeg);
            }
        });

        long frames = 0;
        using (TcpClient accepted = await listener.AcceptTcpClientAsync())
        await using (NetworkStream stream = accepted.GetStream())
        {
            byte[] prefix = new byte[4];
            while (await stream.ReadAtLeastAsync(prefix, 4, throwOnEndOfStream: false) == 4)
            {
                byte[] jpeg = new byte[BinaryPrimitives.ReadInt32LittleEndian(prefix)];
                await stream.ReadExactlyAsync(jpeg);
                using Mat decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
                frames++;
            }
        }

        await sending;
        return frames;
    }

    private static Row Median(List<Row> rows) => rows.OrderBy(row => row.Fps).ElementAt(rows.Count / 2);
}
