using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RawFrames.Codecs;
using RawFrames.Protocol;
using RawFrames.Programs.Sources;
using RawFrames.Programs.Stats;

namespace RawFrames.Bench.Scenarios.Baselines;

/// <summary>One frame as the HTTP POST approach sends it: JSON with the JPEG in base64.</summary>
internal sealed record FramePost(ulong Sequence, long TimestampNs, int Width, int Height, string Jpeg);

[JsonSerializable(typeof(FramePost))]
internal sealed partial class BaselineJson : JsonSerializerContext;

/// <summary>
/// JPEG in base64 inside JSON, one HTTP POST per frame, to a Kestrel endpoint that decodes the base64 and the JPEG:
/// the "requests.post(url, json={'image': b64})" pattern. The client waits for each response, as that pattern does.
/// </summary>
internal static class HttpPostBaseline
{
    public static async Task SendAsync(RoleArguments role, TransferTotals totals)
    {
        IIndexedFrameSource source = role.Source.Open();
        using var encoder = new JpegEncoder(role.Quality);
        byte[] jpeg = new byte[encoder.MaxEncodedSize(source.Width, source.Height)];
        using var http = new HttpClient { BaseAddress = new Uri(role.BaseUrl) };
        await WaitForServerAsync(http);
        using var schedule = new FrameSchedule(0, TimeSpan.FromSeconds(role.Seconds), role.Source.Fps);
        for (ulong sequence = 0; await schedule.WaitForFrameAsync(sequence, CancellationToken.None); sequence++)
        {
            long captured = UnixTime.NowNanoseconds();
            int length = encoder.Encode(source.Frame(sequence).Span, source.Width, source.Height, source.Stride, jpeg);
            var post = new FramePost(sequence, captured, source.Width, source.Height, Convert.ToBase64String(jpeg, 0, length));
            string json = JsonSerializer.Serialize(post, BaselineJson.Default.FramePost);
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using HttpResponseMessage response = await http.PostAsync(new Uri("/frame", UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
            totals.AddFrame(json.Length);
        }

        using HttpResponseMessage end = await http.PostAsync(new Uri("/end", UriKind.Relative), null);
    }

    public static async Task ReceiveAsync(RoleArguments role, TransferTotals totals)
    {
        await using WebApplication app = CreateServer(role.Port);
        using var decoder = new JpegDecoder();
        byte[] bgr = [];
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.MapPost("/frame", async (HttpRequest request) =>
        {
            FramePost post = await JsonSerializer.DeserializeAsync(request.Body, BaselineJson.Default.FramePost)
                ?? throw new InvalidDataException("empty frame post");
            byte[] jpeg = Convert.FromBase64String(post.Jpeg);
            lock (decoder)
            {
                if (bgr.Length < post.Width * post.Height * 3)
                {
                    bgr = new byte[post.Width * post.Height * 3];
                }

                decoder.DecodeToBgr(jpeg, bgr, post.Width, post.Height, post.Width * 3);
            }

            totals.AddFrame(request.ContentLength ?? jpeg.Length);
            totals.Latency.RecordNanoseconds(UnixTime.NowNanoseconds() - post.TimestampNs);
            return Results.NoContent();
        });
        app.MapPost("/end", () =>
        {
            ended.TrySetResult();
            return Results.NoContent();
        });
        await app.StartAsync();
        await ended.Task.WaitAsync(TimeSpan.FromSeconds(role.Seconds + 60));
        await app.StopAsync();
    }

    /// <summary>Kestrel on the loopback port, without console logging (it would be measured as the receiver's CPU).</summary>
    internal static WebApplication CreateServer(int port)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        return builder.Build();
    }

    // The server process starts at the same time: retry its port for a few seconds.
    private static async Task WaitForServerAsync(HttpClient http)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri("/", UriKind.Relative));
                return;
            }
            catch (HttpRequestException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }
}
