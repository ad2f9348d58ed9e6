using Microsoft.Win32.SafeHandles;
using RawFrames.Programs;
using RawFrames.Programs.Sinks;
using RawFrames.Client;

namespace RawFrames.Receiver.Sinks;

/// <summary>
/// --stdout: the first stream's frames for ffmpeg or ffplay, as received or, with --decode, as decoded. A reader that
/// goes away ends the run, as for any program writing into a closed pipe.
/// </summary>
internal sealed class StdoutSink : IFrameSink, IDecodedSink, IDisposable
{
    private readonly FrameStreamWriter _writer;
    private readonly bool _decoded;
    private readonly Log _log;
    private readonly Action _stop;
    private int _stopped;

    /// <param name="decoded">Write decoded pixels for the frames that are decoded (--decode).</param>
    /// <param name="stop">Stops the run when the reader has gone.</param>
    /// <param name="modelInputs">The decoded frames are model inputs (--model).</param>
    public StdoutSink(bool decoded, Log log, Action stop, bool modelInputs = false)
    {
        // File descriptor 1 as a plain FileStream, not Console's stream: that one silently drops writes to a closed
        // pipe, and a reader that goes away (ffplay closed) must end the run.
        _writer = new FrameStreamWriter(new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0)) { ModelInputs = modelInputs };
        (_decoded, _log, _stop) = (decoded, log, stop);
    }

    public long Written => _writer.Written;

    public long Skipped => _writer.Skipped;

    public void OnFrame(in SinkFrame frame)
    {
        if (!(_decoded && frame.DecodesTo is not null))
        {
            Offer(_writer.TryWrite(frame.Connection, frame.Info, frame.Payload.Span));
        }
    }

    public void OnDecoded(in SinkFrame frame, in DecodedPixels pixels)
    {
        if (_decoded && pixels.Error is null)
        {
            Offer(_writer.TryWriteDecoded(frame.Connection, pixels.AsRaw(frame.Info), pixels.Pixels.Span));
        }
    }

    public void Dispose() => _writer.Dispose();

    private void Offer(bool written)
    {
        if (written && _writer.Written == 1)
        {
            _log.Info(_writer.NumpyInput() is { } numpy
                ? $"--stdout: writing model inputs {_writer.Describe()}; numpy reads each with: {numpy}"
                : $"--stdout: writing {_writer.Describe()}; ffmpeg reads it with: {_writer.FfmpegInput()}");
        }

        if (!written && _writer.Closed is { } closed && Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _log.Info($"--stdout: {closed}; stopping");
            _stop();
        }
    }
}
