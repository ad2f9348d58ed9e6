using System.Globalization;
using System.Text;

namespace RawFrames.Bench.OpenCvComparison;

/// <summary>Runs both OpenCV comparisons and writes them as one markdown file, with where the differences come from.</summary>
internal static class OpenCvReport
{
    public static async Task<string> RunAsync(bool quick)
    {
        List<CodecComparison.Row> codecs = CodecComparison.Run(quick ? 3 : 20);
        List<MatStreamingComparison.Row> streaming = await MatStreamingComparison.RunAsync(TimeSpan.FromSeconds(quick ? 1 : 5), quick ? 1 : 3);
        var text = new StringBuilder();
        text.AppendLine("## RawFrames beside OpenCvSharp (JPEG q80, 4:2:0, one thread)");
        text.AppendLine();
        text.AppendLine("| content | library | encode CPU ms/frame | decode CPU ms/frame | bytes/frame | PSNR dB | allocated KB/frame |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (CodecComparison.Row row in codecs)
        {
            text.AppendLine(Invariant($"| {row.Content} | {row.Library} | {row.EncodeMs:0.00} | {row.DecodeMs:0.00} | {row.Bytes:N0} | {row.PsnrDb:0.00} | {row.AllocatedKbPerFrame:N0} |"));
        }

        text.AppendLine();
        text.AppendLine("## An OpenCvSharp application streaming 1080p photo Mats (JPEG q80, loopback TCP, both ends in one process)");
        text.AppendLine();
        text.AppendLine("| way | fps | CPU ms/frame (both ends) | allocated KB/frame |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (MatStreamingComparison.Row row in streaming)
        {
            text.AppendLine(Invariant($"| {row.Way} | {row.Fps:0.0} | {row.CpuMsPerFrame:0.00} | {row.AllocatedKbPerFrame:N0} |"));
        }

        text.AppendLine();
        text.AppendLine("Where the difference comes from: both libraries code with libjpeg-turbo, so the codec rows differ by what");
        text.AppendLine("surrounds the call: Cv2.ImEncode returns a new byte[] (the JPEG copied out of a std::vector) and Cv2.ImDecode a");
        text.AppendLine("new Mat per frame, where RawFrames codes into buffers allocated once; in the streaming rows the naive way also");
        text.AppendLine("reads each frame into a new byte[]. The allocated column counts it; the GC work it causes is in the CPU column.");
        text.AppendLine("FastDecode is TurboJPEG's fast integer IDCT and plain chroma upsampling: less decode CPU for a little PSNR.");
        return text.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
