using RawFrames.Codecs;
using RawFrames.Programs;
using RawFrames.Programs.Sinks;
using RawFrames.Client;

namespace RawFrames.Receiver.Sinks;

/// <summary>
/// Counts decoded frames and the payloads the decoder rejected. PROTOCOL.md §6.1: a payload that does not decode is a
/// bad frame, not a protocol error; the stream goes on.
/// </summary>
internal sealed class DecodeReportSink(Log log) : IDecodedSink
{
    private const int MaxLogged = 10;
    private long _decoded;
    private long _corrupt;

    public long Decoded => Interlocked.Read(ref _decoded);

    public long Corrupt => Interlocked.Read(ref _corrupt);

    public void OnDecoded(in SinkFrame frame, in DecodedPixels pixels)
    {
        Interlocked.Increment(ref _decoded);
        if (pixels.Error is not null && Interlocked.Increment(ref _corrupt) <= MaxLogged)
        {
            log.Info($"stream {frame.Info.StreamId} frame {frame.Info.Sequence}: cannot decode {CodecNames.Name(frame.Info.Codec)} payload: {pixels.Error}");
        }
    }
}
