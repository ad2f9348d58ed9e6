using RawFrames.Client;
using RawFrames.Viewer;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// The browser view as one more subscriber of the relay's server, under the latest policy: while a browser watches a
/// stream, its frames go to the viewer as JPEG, the same shared JPEG subscribers get (made at most once per frame);
/// while nobody watches, nothing is encoded.
/// </summary>
internal sealed class ViewerFeed(HttpViewer viewer, LocalSubscription subscription, ReplayedStreams replayed)
{
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await foreach (ServedFrame frame in subscription.ReadAllAsync(stop))
            {
                (FrameInfo info, ReadOnlyMemory<byte> payload) = viewer.IsWatched(frame.Info.StreamId)
                    ? frame.As(frame.Info.Codec is Codec.Jpeg or Codec.YuvJpeg ? null : Codec.Jpeg)
                    : (frame.Info, frame.Payload); // only recorded: the viewer shows nothing of it
                viewer.OnFrame("relay", info, payload.Span, frame.Metadata.Span, replayed.IsReplay(info.StreamId));
            }
        }
        catch (OperationCanceledException)
        {
            // The relay stopped.
        }
        finally
        {
            await subscription.DisposeAsync();
        }
    }
}
