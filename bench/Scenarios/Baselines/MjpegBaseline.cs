using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RawFrames.Codecs;
using RawFrames.Protocol;
using RawFrames.Programs.Sources;
using RawFrames.Programs.Stats;

namespace RawFrames.Bench.Scenarios.Baselines;

/// <summary>
/// MJPEG over HTTP: the camera side serves multipart/x-mixed-replace, one JPEG part per frame (the Flask MJPEG
/// pattern), and a viewer reads the parts and decodes each JPEG (what a browser's img element or OpenCV's
/// VideoCapture on the URL does). Parts carry Content-Length and the capture time in X-Timestamp-Ns.
/// </summary>
internal static class MjpegBaseline
{
    private const string Boundary = "frame";

    public static async Task ServeAsync(RoleArguments role, TransferTotals totals)
    {
        await using WebApplication app = HttpPostBaseline.CreateServer(role.Port);
        var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.MapGet("/stream", async (HttpContext context) =>
        {
            try
            {
                await StreamAsync(role, context.Response, totals, context.RequestAborted);
            }
            finally
            {
                served.TrySetResult();
            }
        });
        await app.StartAsync();
        await served.Task.WaitAsync(TimeSpan.FromSeconds(role.Seconds + 60));
        await app.StopAsync();
    }

    public static async Task ViewAsync(RoleArguments role, TransferTotals totals)
    {
        using var http = new HttpClient { BaseAddress = new Uri(role.BaseUrl), Timeout = Timeout.InfiniteTimeSpan };
        HttpResponseMessage response = await ConnectAsync(http);
        using (response)
        {
            await using Stream body = await response.Content.ReadAsStreamAsync();
            PipeReader reader = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 1 << 20, minimumReadSize: 64 << 10));
            using var decoder = new JpegDecoder();
            byte[] bgr = [];
            byte[] jpeg = [];
            while (true)
            {
                ReadResult read = await reader.ReadAsync();
                ReadOnlySequence<byte> buffer = read.Buffer;
                while (TryReadPart(ref buffer, out ReadOnlySequence<byte> part, out long timestampNs))
                {
                    ReadOnlySpan<byte> image = Contiguous(part, ref jpeg);
                    (int width, int height, _) = decoder.ReadHeader(image);
                    if (bgr.Length < width * height * 3)
                    {
                        bgr = new byte[width * height * 3];
                    }

                    decoder.DecodeToBgr(image, bgr, width, height, width * 3);
                    totals.AddFrame(part.Length);
                    totals.Latency.RecordNanoseconds(UnixTime.NowNanoseconds() - timestampNs);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            await reader.CompleteAsync();
        }
    }

    private static async Task StreamAsync(RoleArguments role, HttpResponse response, TransferTotals totals, CancellationToken aborted)
    {
        IIndexedFrameSource source = role.Source.Open();
        using var encoder = new JpegEncoder(role.Quality);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(source.Width, source.Height)];
        response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
        using var schedule = new FrameSchedule(0, TimeSpan.FromSeconds(role.Seconds), role.Source.Fps);
        for (ulong sequence = 0; !aborted.IsCancellationRequested && await schedule.WaitForFrameAsync(sequence, aborted); sequence++)
        {
            long captured = UnixTime.NowNanoseconds();
            int length = encoder.Encode(source.Frame(sequence).Span, source.Width, source.Height, source.Stride, jpeg);
            byte[] head = Encoding.ASCII.GetBytes(
                $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {length}\r\nX-Timestamp-Ns: {captured}\r\n\r\n");
            await response.Body.WriteAsync(head, aborted);
            await response.Body.WriteAsync(jpeg.AsMemory(0, length), aborted);
            await response.Body.WriteAsync("\r\n"u8.ToArray(), aborted);
            await response.Body.FlushAsync(aborted);
            totals.AddFrame(head.Length + length + 2);
        }
    }

    // One part: "--frame" line, header lines up to a blank line, Content-Length bytes of JPEG, CRLF.
    private static bool TryReadPart(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> jpeg, out long timestampNs)
    {
        jpeg = default;
        timestampNs = 0;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headers, "\r\n\r\n"u8))
        {
            return false;
        }

        long contentLength = -1;
        foreach (string line in Encoding.ASCII.GetString(headers).Split("\r\n"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("X-Timestamp-Ns", StringComparison.OrdinalIgnoreCase))
            {
                timestampNs = long.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        if (contentLength < 0)
        {
            throw new InvalidDataException("MJPEG part without Content-Length");
        }

        if (reader.Remaining < contentLength + 2)
        {
            return false;
        }

        jpeg = reader.UnreadSequence.Slice(0, contentLength);
        reader.Advance(contentLength + 2);
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> part, ref byte[] scratch)
    {
        if (part.IsSingleSegment)
        {
            return part.FirstSpan;
        }

        if (scratch.Length < part.Length)
        {
            scratch = new byte[part.Length];
        }

        part.CopyTo(scratch);
        return scratch.AsSpan(0, (int)part.Length);
    }

    private static async Task<HttpResponseMessage> ConnectAsync(HttpClient http)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                HttpResponseMessage response = await http.GetAsync(new Uri("/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                return response;
            }
            catch (HttpRequestException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }
}
