using Microsoft.AspNetCore.Http;
using RawFrames.Client;

namespace RawFrames.Viewer;

/// <summary>The /frames/ID WebSocket: PROTOCOL.md FRAME and RESULT messages for a page that draws frames itself, and what the page says it painted.</summary>
public sealed partial class HttpViewer
{
    // /frames/ID[?width=W][&format=yuv|bgra] over a WebSocket: one binary message per frame shown, a PROTOCOL.md FRAME
    // message (§3, §6) whose payload is the JPEG (or, decoded here for a page on this host, its J420 planes for WebGL
    // or its BGRA32 pixels for putImageData) and whose metadata is
    // the frame's own (its detections, §20), so the page knows each frame's sequence number and capture time and never
    // draws boxes on another frame; before it, the RESULT a subscriber sent for that frame, when there is one (a
    // relay's subscribers, held for within the budget). The page answers with text messages saying what it painted
    // (painted frames, capture-to-paint latency), shown in /state.
    private async Task FramesAsync(HttpContext context, string id)
    {
        if (!context.WebSockets.IsWebSocketRequest || Find(id) is not { } stream)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("a WebSocket request for a stream in /state\n");
            return;
        }

        int? width = WidthAsked(context);
        using DecodedFrames? decoder = DecodedFrames.For(context.Request.Query["format"], out string? refused);
        if (refused is not null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(refused + "\n");
            return;
        }
        using System.Net.WebSockets.WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        long viewerId = Interlocked.Increment(ref _viewers);
        ViewerStats viewer = stream.AddViewer(viewerId, $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort} (websocket)");
        using LiveStream.Interest interest = stream.Want();
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        Task reports = ReadPaintReportsAsync(socket, viewer, ended);
        byte[] message = [];
        try
        {
            long seen = 0;
            while (await NextShownAsync(stream, seen, width, ended.Token) is { } jpeg)
            {
                try
                {
                    // The frame's RESULT first, held for at most the budget while results are coming: the page draws it on this frame.
                    if (await stream.Results.ForFrameAsync(jpeg.Sequence, ended.Token) is { } result)
                    {
                        await socket.SendAsync(ProtocolMessages.JsonResult(jpeg.Header.StreamId, jpeg.Header.Sequence, result), System.Net.WebSockets.WebSocketMessageType.Binary, true, ended.Token);
                    }

                    int length = decoder is not null ? decoder.Write(jpeg, ref message) : DecodedFrames.WriteAsIs(jpeg, ref message);
                    await socket.SendAsync(message.AsMemory(0, length), System.Net.WebSockets.WebSocketMessageType.Binary, true, ended.Token);
                    viewer.OnSent(jpeg.Length, jpeg.Version, seen == 0 ? 0 : jpeg.Version - seen - 1);
                    seen = jpeg.Version;
                }
                finally
                {
                    jpeg.Release();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException)
        {
            // The page went away, or the receiver is stopping.
        }
        finally
        {
            await ended.CancelAsync();
            await reports;
            stream.RemoveViewer(viewerId);
        }
    }


    // What the page says it painted, a small JSON text message now and then: {"painted":N,"latency_ms_p50":X,...}.
    private static async Task ReadPaintReportsAsync(System.Net.WebSockets.WebSocket socket, ViewerStats viewer, CancellationTokenSource ended)
    {
        byte[] buffer = new byte[1024];
        try
        {
            while (true)
            {
                System.Net.WebSockets.WebSocketReceiveResult received = await socket.ReceiveAsync(buffer, ended.Token);
                if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    await ended.CancelAsync(); // the page closed: stop sending
                    return;
                }

                if (received.EndOfMessage && received.MessageType == System.Net.WebSockets.WebSocketMessageType.Text)
                {
                    viewer.OnPaintReport(buffer.AsSpan(0, received.Count));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException)
        {
            // The page went away, or the receiver is stopping.
        }
    }
}
