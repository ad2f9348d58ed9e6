using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Viewer;

/// <summary>
/// The receiver's browser view over Kestrel: <c>/</c> lists the streams, each live in an <c>img</c>;
/// <c>/stream/{id}</c> is MJPEG (multipart/x-mixed-replace) with the latest frame whenever the viewer is ready for
/// one; <c>/snapshot/{id}</c> one JPEG; <c>/state</c> JSON per stream and per viewer. Each viewer writes from its own
/// request, so a slow one only skips frames: it never delays the other viewers or the receiver.
/// </summary>
public sealed partial class HttpViewer : IAsyncDisposable
{
    private const string Boundary = "rawframes-frame";
    private static readonly TimeSpan s_snapshotWait = TimeSpan.FromSeconds(5);
    private static readonly byte[] s_partEnd = "\r\n"u8.ToArray();

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<uint, LiveStream> _streams = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CodecPool _codecs;
    private readonly bool _ownsCodecs;
    private long _viewers;

    private HttpViewer(WebApplication app, CodecPool? codecs)
    {
        _app = app;
        _codecs = codecs ?? new CodecPool();
        _ownsCodecs = codecs is null;
        app.MapGet("/", () => Results.Content(ViewerPage.Html, "text/html; charset=utf-8"));
        foreach (string script in ViewerScripts.Names)
        {
            app.MapGet("/" + script, () => Results.Content(ViewerScripts.Text(script), "text/javascript; charset=utf-8"));
        }

        app.MapGet("/state", () => Results.Json(new
        {
            streams = _streams.Values.OrderBy(s => s.StreamId).Select(s => s.ToState()).ToArray(),
            subscribers = MoreState?.Invoke(),
        }));
        app.MapGet("/stream/{id}", StreamAsync);
        app.MapGet("/snapshot/{id}", SnapshotAsync);
        app.UseWebSockets();
        app.Map("/frames/{id}", FramesAsync);
    }

    /// <summary>Where browsers go, e.g. <c>http://127.0.0.1:8080/</c> (with the port the system chose for port 0).</summary>
    public string Url { get; private set; } = "";

    /// <summary>Starts Kestrel on <c>HOST:PORT</c> (an IP address; loopback unless said otherwise).</summary>
    /// <param name="codecs">Where decoders for PNG and BMP frames come from (the run's pool); null: a pool of its own.</param>
    public static async Task<HttpViewer> StartAsync(string hostAndPort, CodecPool? codecs = null, CancellationToken cancellationToken = default)
    {
        (IPAddress address, int port) = ParseAddress(hostAndPort);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(address, port));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var viewer = new HttpViewer(builder.Build(), codecs);
        await viewer._app.StartAsync(cancellationToken);
        string bound = viewer._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        viewer.Url = bound.Replace("[::]", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/";
        return viewer;
    }

    /// <summary><c>HOST:PORT</c> with an IP address (<c>127.0.0.1:8080</c>, <c>[::1]:8080</c>, <c>0.0.0.0:8080</c>).</summary>
    public static (IPAddress Address, int Port) ParseAddress(string hostAndPort)
    {
        int colon = hostAndPort.LastIndexOf(':');
        string host = colon > 0 ? hostAndPort[..colon].Trim('[', ']') : "";
        return colon > 0 && IPAddress.TryParse(host, out IPAddress? address)
               && int.TryParse(hostAndPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= 65535
            ? (address, port)
            : throw new FormatException($"--http '{hostAndPort}': expected IP:PORT, e.g. 127.0.0.1:8080 (loopback) or 0.0.0.0:8080 (every interface)");
    }

    /// <summary>
    /// Every frame is handed here; returns at once (nothing is done while nobody watches). The payload is read during
    /// the call only. <paramref name="replay"/>: a recording replayed, shown as such, with no latency from its timestamps.
    /// </summary>
    public void OnFrame(string remote, FrameInfo header, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> metadata = default, bool replay = false)
    {
        uint id = header.StreamId;
        if (!_streams.TryGetValue(id, out LiveStream? stream))
        {
            stream = _streams.GetOrAdd(id, static (key, viewer) => new LiveStream(key, viewer._codecs, viewer.ResultBudget), this);
        }

        stream.OnFrame(remote, header, payload, metadata, replay);
    }

    /// <summary>How long a page's frame is held back for its RESULT while a stream's subscribers send them (a relay's <c>--result-wait-ms</c>).</summary>
    public TimeSpan ResultBudget { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>A subscriber's JSON RESULT for frame <paramref name="sequence"/> of a stream (PROTOCOL.md §10.2, §20): drawn on that frame.</summary>
    public void OnResult(uint streamId, ulong sequence, byte[] json)
    {
        if (_streams.TryGetValue(streamId, out LiveStream? stream))
        {
            stream.Results.Add(sequence, json);
        }
    }

    /// <summary>Whether a browser is watching the stream now: only then is a JPEG of its frames worth making.</summary>
    public bool IsWatched(uint streamId) => _streams.TryGetValue(streamId, out LiveStream? stream) && stream.IsWatched;

    /// <summary>More for /state: e.g. a relay's subscribers, under the key <c>subscribers</c>.</summary>
    public Func<object?>? MoreState { get; set; }

    /// <summary>No connection feeds these streams any more; they stay listed, and viewers keep the last frame.</summary>
    public void OnStreamsEnded(IEnumerable<uint> streamIds)
    {
        foreach (uint id in streamIds)
        {
            if (_streams.TryGetValue(id, out LiveStream? stream))
            {
                stream.Live = false;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Streaming responses never end by themselves: end them first, or Kestrel waits out its shutdown timeout.
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (LiveStream stream in _streams.Values)
        {
            stream.Dispose();
        }

        if (_ownsCodecs)
        {
            _codecs.Dispose();
        }

        _stopping.Dispose();
    }

    private async Task StreamAsync(HttpContext context, string id)
    {
        if (Find(id) is not { } stream)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync($"no stream {id}; see /state\n");
            return;
        }

        int? width = WidthAsked(context);
        long viewerId = Interlocked.Increment(ref _viewers);
        ViewerStats viewer = stream.AddViewer(viewerId, $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}");
        using LiveStream.Interest interest = stream.Want();
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        context.Response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        try
        {
            long seen = 0;
            while (await NextShownAsync(stream, seen, width, ended.Token) is { } jpeg)
            {
                try
                {
                    string head = $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\nX-Sequence: {jpeg.Sequence}\r\n\r\n";
                    await context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes(head), ended.Token);
                    await context.Response.Body.WriteAsync(jpeg.Bytes, ended.Token);
                    await context.Response.Body.WriteAsync(s_partEnd, ended.Token);
                    await context.Response.Body.FlushAsync(ended.Token);
                    viewer.OnSent(jpeg.Length, jpeg.Version, seen == 0 ? 0 : jpeg.Version - seen - 1);
                    seen = jpeg.Version;
                }
                finally
                {
                    jpeg.Release();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The browser went away, or the receiver is stopping.
        }
        finally
        {
            stream.RemoveViewer(viewerId);
        }
    }

    private async Task SnapshotAsync(HttpContext context, string id)
    {
        if (Find(id) is not { } stream)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync($"no stream {id}; see /state\n");
            return;
        }

        // A frame newer than the request when the stream is live; the last one there is when it is not.
        using LiveStream.Interest interest = stream.Want();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        wait.CancelAfter(s_snapshotWait);
        long after = stream.Live ? stream.LatestVersion : 0;
        if (await stream.NextAsync(after, wait.Token) is not { } jpeg)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync($"stream {id} produced no frame it could show within {s_snapshotWait.TotalSeconds:0} s\n");
            return;
        }

        try
        {
            context.Response.ContentType = "image/jpeg";
            context.Response.ContentLength = jpeg.Length;
            context.Response.Headers["X-Sequence"] = jpeg.Sequence.ToString(CultureInfo.InvariantCulture);
            await context.Response.Body.WriteAsync(jpeg.Bytes, context.RequestAborted);
        }
        finally
        {
            jpeg.Release();
        }
    }

    // ?width=W: the page shows the stream W pixels wide; wider frames are sent scaled to that width, made once per width.
    private static int? WidthAsked(HttpContext context) =>
        int.TryParse(context.Request.Query["width"], NumberStyles.None, CultureInfo.InvariantCulture, out int asked) && asked is >= 16 and <= 16384 ? asked : null;

    // The newest JPEG after seen, at the width asked for; the caller releases it. Null when the wait ends.
    private static async Task<SharedJpeg?> NextShownAsync(LiveStream stream, long seen, int? width, CancellationToken cancellationToken)
    {
        SharedJpeg? latest = await stream.NextAsync(seen, cancellationToken);
        if (latest is null || width is not { } shown)
        {
            return latest;
        }

        SharedJpeg scaled = stream.ScaledTo(latest, shown);
        latest.Release();
        return scaled;
    }

    private LiveStream? Find(string id) =>
        uint.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out uint streamId) && _streams.TryGetValue(streamId, out LiveStream? stream) ? stream : null;
}
