using RawFrames.Codecs;
using RawFrames.Programs.Sinks;
using RawFrames.Viewer;
using RawFrames.Client;

namespace RawFrames.Receiver.Sinks;

/// <summary>
/// --http: every stream to the browser view. JPEG payloads go as they are; a frame the run decodes anyway (PNG, BMP
/// with --decode or --verify) is shown from its decoded pixels, so it is never decoded twice. With --model the decoded
/// pixels are model inputs, not pictures: the view shows the frames as they came.
/// </summary>
internal sealed class ViewerSink(HttpViewer viewer) : IFrameSink, IDecodedSink, IStreamsEndedSink
{
    public void OnFrame(in SinkFrame frame)
    {
        if (frame.DecodesTo is null or DecodeTarget.Tensor || FrameToJpeg.IsJpeg(frame.Info))
        {
            viewer.OnFrame(frame.Remote, frame.Info, frame.Payload.Span, frame.Metadata.Span, frame.Replay);
        }
    }

    public void OnDecoded(in SinkFrame frame, in DecodedPixels pixels)
    {
        if (!FrameToJpeg.IsJpeg(frame.Info) && pixels.Error is null && pixels.Target != DecodeTarget.Tensor)
        {
            viewer.OnFrame(frame.Remote, pixels.AsRaw(frame.Info), pixels.Pixels.Span, frame.Metadata.Span, frame.Replay);
        }
    }

    public void OnStreamsEnded(IReadOnlyCollection<uint> streamIds) => viewer.OnStreamsEnded(streamIds);
}
