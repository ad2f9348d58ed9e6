using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Programs.Sinks;
using RawFrames.Programs.Stats;
using RawFrames.Programs.Verification;
using RawFrames.Programs;

namespace RawFrames.Receiver.Sinks;

/// <summary>
/// --verify: raw frames must be the synthetic pattern byte for byte (row padding included, read in place); decoded
/// frames must match it exactly for lossless codecs and by at least --min-psnr for lossy ones (measured on the
/// decoder's thread); a payload that does not decode fails too.
/// </summary>
internal sealed class VerifySink(TransferTotals totals, double minPsnrDb, Log log) : IFrameSink, IDecodedSink
{
    private const int MaxLoggedFailures = 10;
    private readonly Lock _lock = new();
    private double _psnrMin = double.NaN;

    /// <summary>The lowest PSNR of a lossy frame; NaN when none was measured.</summary>
    public double PsnrMinDb
    {
        get
        {
            lock (_lock)
            {
                return _psnrMin;
            }
        }
    }

    public void OnFrame(in SinkFrame frame)
    {
        if (frame.Info.Codec == Codec.Raw && SyntheticFrameVerifier.Check(frame.Info, frame.Payload.Span) is { } failure)
        {
            Fail(failure);
        }
    }

    public void OnDecoded(in SinkFrame frame, in DecodedPixels pixels)
    {
        if (pixels.Error is not null)
        {
            totals.AddVerifyFailure(); // DecodeReportSink says why
            return;
        }

        lock (_lock)
        {
            if (!double.IsPositiveInfinity(pixels.Measured) && (double.IsNaN(_psnrMin) || pixels.Measured < _psnrMin))
            {
                _psnrMin = pixels.Measured;
            }
        }

        if (SyntheticPsnr.Judge(frame.Info, pixels.Measured, minPsnrDb) is { } failure)
        {
            Fail(failure);
        }
    }

    private void Fail(string failure)
    {
        totals.AddVerifyFailure();
        if (totals.VerifyFailures <= MaxLoggedFailures)
        {
            log.Info($"verify failed: {failure}");
        }
    }
}
