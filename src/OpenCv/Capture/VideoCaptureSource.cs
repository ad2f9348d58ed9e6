using System.Globalization;
using OpenCvSharp;

namespace RawFrames.OpenCv.Capture;

/// <summary>
/// Frames from OpenCV's VideoCapture: a camera (<c>0</c>, <c>1</c>, ...), a video file, or a network stream (an RTSP
/// or HTTP URL), read into a Mat the caller reuses (one allocation, not one per frame: a new Mat per read is the
/// classic OpenCvSharp leak). Network inputs are opened for low latency (see
/// <see cref="VideoCaptureSourceOptions.NetworkOptions"/>) and with a timeout, so a stream that stalls ends a read
/// instead of hanging it. Not thread-safe: one reader.
/// </summary>
public sealed class VideoCaptureSource : IDisposable
{
    // OpenCV's CAP_PROP_OPEN_TIMEOUT_MSEC and CAP_PROP_READ_TIMEOUT_MSEC (FFmpeg backend), not in OpenCvSharp's enum.
    private const int OpenTimeoutMsec = 53;
    private const int ReadTimeoutMsec = 54;
    private const string FfmpegOptionsVariable = "OPENCV_FFMPEG_CAPTURE_OPTIONS";
    private static readonly Lock s_environment = new();
    private readonly VideoCapture _capture;

    private VideoCaptureSource(string input, VideoCapture capture)
    {
        Input = input;
        _capture = capture;
        Width = capture.FrameWidth;
        Height = capture.FrameHeight;
        double fps = capture.Fps;
        Fps = fps is > 0 and < 1000 ? fps : 0;
    }

    /// <summary>What was opened, as given.</summary>
    public string Input { get; }

    /// <summary>The frame width the input announced.</summary>
    public int Width { get; }

    /// <summary>The frame height the input announced.</summary>
    public int Height { get; }

    /// <summary>The input's own frame rate (a file's, a camera's nominal one), or 0 when it does not say.</summary>
    public double Fps { get; }

    /// <summary>A camera or a network stream, which may drop and come back; a file ends.</summary>
    public bool IsLive => IsLiveInput(Input);

    /// <summary>Whether this OpenCV runtime can open network streams (rtsp://, http://...); cameras and files it always can.</summary>
    public static bool CanOpenNetworkStreams => OpenCvRuntime.CanOpenNetworkStreams;

    /// <summary>A camera index (digits), or a URL other than file://.</summary>
    public static bool IsLiveInput(string input) =>
        input.All(char.IsAsciiDigit) || (input.Contains("://", StringComparison.Ordinal) && !input.StartsWith("file://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Opens <paramref name="input"/>: a camera index, a file path, or a URL.</summary>
    /// <exception cref="IOException">It cannot be opened (missing file, no such camera, nothing at the URL); the message says which.</exception>
    /// <exception cref="NotSupportedException">A network URL, and this OpenCV runtime has no network protocols (<see cref="CanOpenNetworkStreams"/>).</exception>
    /// <exception cref="Codecs.CodecUnavailableException">OpenCV's native runtime cannot be loaded; the message names what to install.</exception>
    public static VideoCaptureSource Open(string input, VideoCaptureSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(input);
        options ??= new VideoCaptureSourceOptions();
        OpenCvRuntime.Require();
        if (IsLiveInput(input) && !input.All(char.IsAsciiDigit) && !OpenCvRuntime.CanOpenNetworkStreams)
        {
            throw new NotSupportedException($"OpenCV cannot open {input}: this OpenCV runtime's FFmpeg is built without network protocols "
                                            + "(--disable-network); read network streams with ffmpeg (rawframes-send --source ffmpeg:URL), or use an OpenCV built with them");
        }

        VideoCapture capture = input.All(char.IsAsciiDigit)
            ? OpenCamera(int.Parse(input, CultureInfo.InvariantCulture))
            : OpenUrlOrFile(input, options);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new IOException(input.All(char.IsAsciiDigit) ? $"OpenCV cannot open camera {input} (is /dev/video{input} there, and free?)"
                : File.Exists(input) || !IsLiveInput(input) ? $"OpenCV cannot open {input}: no such file, or no video in it"
                : $"OpenCV cannot open {input} within {options.Timeout.TotalSeconds:0.#} s: nothing answers there, or it sends no video");
        }

        return new VideoCaptureSource(input, capture);
    }

    /// <summary>
    /// Reads the next frame into <paramref name="frame"/> (CV_8UC3 BGR; allocated by the first read, reused after).
    /// False when a file has ended, or a live input is gone (unplugged, the stream stopped or stalled past the timeout).
    /// </summary>
    public bool Read(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return _capture.Read(frame) && !frame.Empty();
    }

    /// <summary>Closes the input.</summary>
    public void Dispose() => _capture.Dispose();

    private static VideoCapture OpenCamera(int index)
    {
        var capture = new VideoCapture(index);
        // A camera's own queue of frames is latency: keep one.
        capture.Set(VideoCaptureProperties.BufferSize, 1);
        return capture;
    }

    // OpenCV's FFmpeg backend reads its options from the environment when it opens: set them for this open only.
    private static VideoCapture OpenUrlOrFile(string input, VideoCaptureSourceOptions options)
    {
        int timeout = (int)options.Timeout.TotalMilliseconds;
        int[] parameters = [OpenTimeoutMsec, timeout, ReadTimeoutMsec, timeout];
        if (!IsLiveInput(input) || options.NetworkOptions is null)
        {
            return new VideoCapture(input, VideoCaptureAPIs.FFMPEG, parameters);
        }

        lock (s_environment)
        {
            string? before = Environment.GetEnvironmentVariable(FfmpegOptionsVariable);
            Environment.SetEnvironmentVariable(FfmpegOptionsVariable, before ?? options.NetworkOptions);
            try
            {
                return new VideoCapture(input, VideoCaptureAPIs.FFMPEG, parameters);
            }
            finally
            {
                Environment.SetEnvironmentVariable(FfmpegOptionsVariable, before);
            }
        }
    }
}
