using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Viewer;

namespace RawFrames.Relay.Fanout;

/// <summary>
/// The browser view as one more subscriber under the latest policy: while a browser watches a stream, its frames
/// go to the viewer as JPEG, the same shared JPEG protocol subscribers get (made at most once per frame); while
/// nobody watches, nothing is encoded.
/// </summary>
internal sealed class ViewerFeed(HttpViewer viewer, Transcoder transcoder) : IHubSubscriber
{
    public long Id => 0;

    public SubscriberQueue Queue { get; } = new(DeliveryPolicy.Latest, 1, WhenFull.SwitchToLatest);

    public bool Wants(uint streamId) => true;

    public void OnOverflow()
    {
        // Latest never overflows.
    }

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (await Queue.TakeAsync(stop) is { } frame)
            {
                try
                {
                    (FrameHeader header, ReadOnlyMemory<byte> payload) = viewer.IsWatched(frame.Header.StreamId)
                        ? frame.As(frame.Header.Codec is Codec.Jpeg or Codec.YuvJpeg ? null : Codec.Jpeg, transcoder)
                        : (frame.Header, frame.Payload); // only recorded: the viewer shows nothing of it
                    viewer.OnFrame("relay", FrameInfo.Of(header), payload.Span, frame.Metadata);
                }
                finally
                {
                    frame.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The relay stopped.
        }
    }

    public IReadOnlyDictionary<string, object?> ToState() => new SortedDictionary<string, object?>(StringComparer.Ordinal)
    {
        ["id"] = Id,
        ["remote"] = "browser view",
        ["policy"] = "latest",
        ["codec"] = "jpeg",
        ["offered"] = Queue.Offered,
        ["dropped"] = Queue.Dropped,
    };
}
