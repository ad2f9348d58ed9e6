using OpenCvSharp;
using RawFrames.Bench.Content;
using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Bench.OpenCvComparison;

/// <summary>
/// What a C# user reaches for first, Cv2.ImEncode and Cv2.ImDecode, against RawFrames' JPEG encoder and decoder on the
/// same frames at the same quality (80, 4:2:0): CPU per frame on this thread, bytes per frame, and PSNR against the
/// original. OpenCV's calls are used as users call them (a new byte[] per encode, a new Mat per decode); RawFrames'
/// write into buffers allocated once.
/// </summary>
internal static class CodecComparison
{
    public sealed record Row(string Content, string Library, double EncodeMs, double DecodeMs, int Bytes, double PsnrDb, double AllocatedKbPerFrame);

    public static List<Row> Run(int frames)
    {
        var rows = new List<Row>();
        foreach (ContentKind kind in new[] { ContentKind.Photo1080, ContentKind.Noise1000 })
        {
            FrameContent content = FrameContent.Get(kind);
            rows.Add(RawFramesRow(content, frames, fastDecode: false));
            rows.Add(RawFramesRow(content, frames, fastDecode: true));
            rows.Add(OpenCvRow(content, frames));
        }

        return rows;
    }

    private static Row RawFramesRow(FrameContent content, int frames, bool fastDecode)
    {
        using var encoder = new JpegEncoder(80, ChromaSubsampling.S420);
        using IFrameDecoder decoder = FrameCodecs.CreateDecoder(Client.Codec.Jpeg, DecodeTarget.Bgr, fastDecode);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(content.Width, content.Height)];
        byte[] decoded = new byte[content.Bgr.Length];
        int length = 0;
        (double encodeMs, _) = Measure(frames, () => length = encoder.Encode(content.Bgr, content.Width, content.Height, content.Stride, jpeg));
        (double decodeMs, double allocated) = Measure(frames, () => decoder.Decode(jpeg.AsSpan(0, length), content.Width, content.Height, decoded));
        return new Row(Label(content), fastDecode ? "RawFrames, fast decode (FastDecode)" : "RawFrames (TurboJPEG)", encodeMs, decodeMs, length,
            Psnr(content, decoded), allocated);
    }

    private static Row OpenCvRow(FrameContent content, int frames)
    {
        using Mat image = Mat.FromPixelData(content.Height, content.Width, MatType.CV_8UC3, content.Bgr);
        byte[] jpeg = [];
        var quality = new ImageEncodingParam(ImwriteFlags.JpegQuality, 80);
        (double encodeMs, double encodeAllocated) = Measure(frames, () => Cv2.ImEncode(".jpg", image, out jpeg, quality));
        byte[] decoded = [];
        (double decodeMs, double decodeAllocated) = Measure(frames, () =>
        {
            using Mat mat = Cv2.ImDecode(jpeg, ImreadModes.Color);
            if (decoded.Length == 0)
            {
                decoded = new byte[content.Bgr.Length];
                mat.GetArray(out Vec3b[] pixels);
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).CopyTo(decoded);
            }
        });
        return new Row(Label(content), "OpenCvSharp (Cv2.ImEncode/ImDecode)", encodeMs, decodeMs, jpeg.Length, Psnr(content, decoded),
            encodeAllocated + decodeAllocated);
    }

    // CPU per call, the median of 5 rounds; and GC-allocated bytes per call (KB).
    private static (double Ms, double AllocatedKb) Measure(int frames, Action work)
    {
        work(); // warm up: JIT, first-call allocations
        var rounds = new List<double>();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 5; round++)
        {
            TimeSpan before = Cpu();
            for (int i = 0; i < frames; i++)
            {
                work();
            }

            rounds.Add((Cpu() - before).TotalMilliseconds / frames);
        }

        double allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / 5.0 / frames / 1024;
        return (rounds.Order().ElementAt(2), allocated);
    }

    // The process's CPU time: nothing else runs in this process meanwhile (workstation GC, not concurrent), so it is
    // this thread's, the codec's own threads included if it had any.
    private static TimeSpan Cpu() => Environment.CpuUsage.TotalTime;

    private static double Psnr(FrameContent content, byte[] decoded) =>
        ImageQuality.Psnr(content.Bgr, content.Stride, decoded, content.Stride, content.Width * 3, content.Height);

    private static string Label(FrameContent content) => content.Kind == ContentKind.Photo1080 ? "1080p photo" : "1000x1000 noise";
}
