using RawFrames.Client;
using RawFrames.Programs.Sinks;

namespace RawFrames.Relay.Fanout;

/// <summary>The relay's one sink: every incoming frame is published to its server's subscribers, under the stream id the relay gave it.</summary>
internal sealed class ServerSink(FrameServer server, ReplayedStreams replayed) : IFrameSink
{
    public void OnFrame(in SinkFrame frame)
    {
        replayed.Note(frame.Info.StreamId, frame.Replay);
        server.Publish(frame.Info, frame.Payload.Span, frame.Metadata.Span);
    }
}
