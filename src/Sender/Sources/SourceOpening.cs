using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Programs.Sources;

namespace RawFrames.Sender.Sources;

/// <summary>
/// Opens the --source: the kinds RawFrames.Programs knows, or opencv: here; a live one (a camera, a network stream) is wrapped
/// so that it is opened again when it drops.
/// </summary>
internal static class SourceOpening
{
    /// <exception cref="IOException">The source cannot be opened (the first time: a live source that drops later is reopened).</exception>
    public static async Task<IFrameSource> OpenAsync(SourceSpec spec, int stride, int framesInFlight, PixelFormat wanted, Action<string> log,
        CancellationToken cancellationToken)
    {
        spec = Resolve(spec, log);
        IFrameSource first = await OpenOnceAsync(spec, stride, framesInFlight, wanted, log, cancellationToken);
        return spec.IsLive
            ? new ReopeningSource(first, ct => OpenOnceAsync(spec, stride, framesInFlight, wanted, log, ct), framesInFlight, $"{spec.Kind}:{spec.Path}", log)
            : first;
    }

    /// <summary>
    /// What opens an opencv: network URL: OpenCV when its runtime has network protocols; otherwise the ffmpeg: source
    /// reads it (the served runtime's FFmpeg is built with --disable-network), said once in the log.
    /// </summary>
    public static SourceSpec Resolve(SourceSpec spec, Action<string> log)
    {
        if (spec.Kind != "opencv" || !spec.IsLive || spec.Path!.All(char.IsAsciiDigit) || CanOpenNetworkStreams())
        {
            return spec;
        }

        log($"opencv:{spec.Path}: this OpenCV runtime's FFmpeg has no network protocols (built with --disable-network); reading the stream with ffmpeg instead");
        return spec with { Kind = "ffmpeg" };
    }

    private static async Task<IFrameSource> OpenOnceAsync(SourceSpec spec, int stride, int framesInFlight, PixelFormat wanted, Action<string> log,
        CancellationToken cancellationToken) =>
        spec.Kind == "opencv"
            ? await Task.Run(() => OpenCv(spec.Path!, framesInFlight, log), cancellationToken) // opening a stream blocks up to its timeout
            : await spec.OpenAsync(stride, framesInFlight, wanted, log, cancellationToken);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool CanOpenNetworkStreams() => global::RawFrames.OpenCv.Capture.VideoCaptureSource.CanOpenNetworkStreams;

    // A method of its own, so that OpenCV's assemblies load only for an opencv: source.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static OpenCvFrameSource OpenCv(string input, int framesInFlight, Action<string> log) => OpenCvFrameSource.Open(input, framesInFlight, log);
}
