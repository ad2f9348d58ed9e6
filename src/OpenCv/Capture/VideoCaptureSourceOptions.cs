namespace RawFrames.OpenCv.Capture;

/// <summary>How a <see cref="VideoCaptureSource"/> opens its input.</summary>
public sealed record VideoCaptureSourceOptions
{
    /// <summary>
    /// For network inputs (rtsp://, http://, tcp://, udp://...): options for OpenCV's FFmpeg backend, as
    /// <c>OPENCV_FFMPEG_CAPTURE_OPTIONS</c> takes them (<c>key;value|key;value</c>). The default asks for the newest
    /// frame instead of a buffered backlog (no input buffering, low delay), RTSP over TCP (no lost packets on a busy
    /// link). Null: whatever the environment variable says.
    /// </summary>
    public string? NetworkOptions { get; init; } = "rtsp_transport;tcp|fflags;nobuffer|flags;low_delay|max_delay;0";

    /// <summary>How long opening may take, and a read may wait for a frame, before the input counts as gone.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
}
