using OpenCvSharp;
using RawFrames.Client;
using RawFrames.OpenCv.Capture;
using RawFrames.Programs.Sources;

namespace RawFrames.Sender.Sources;

/// <summary>
/// <c>--source opencv:INPUT</c>: frames from OpenCV's VideoCapture (a camera index, a file, an RTSP URL) into a ring of
/// Mats allocated once and reused (one more than can be in flight), handed out as views of the Mats' own memory.
/// Frames the sender skips (the latest policy) are read and discarded, as a stream source does. VideoCapture.Read
/// blocks until the camera or stream has a frame, so reads run on a thread of the source's own, never on the thread
/// pool the connection needs. Only this class and the RawFrames.OpenCv library touch OpenCV, so other sources never
/// load its native runtime.
/// </summary>
internal sealed class OpenCvFrameSource : IFrameSource
{
    private readonly VideoCaptureSource _capture;
    private readonly System.Collections.Concurrent.BlockingCollection<(ulong Sequence, TaskCompletionSource<ReadOnlyMemory<byte>?> Done)> _requests = new();
    private readonly Thread _reader;
    private readonly Mat[] _ring;
    private readonly PointerMemory[] _views; // a Mat's pixels as Memory; the Mats live as long as the source
    private int _next;
    private ulong? _position;
    private bool _primed; // the first frame, read by Open to learn the size, is still to be handed out

    private OpenCvFrameSource(VideoCaptureSource capture, int framesInFlight)
    {
        _capture = capture;
        _ring = [.. Enumerable.Range(0, Math.Max(1, framesInFlight) + 1).Select(_ => new Mat())];
        _views = [.. _ring.Select(_ => new PointerMemory())];
        _reader = new Thread(ServeReads) { IsBackground = true, Name = "opencv capture" };
    }

    public int Width { get; private set; }

    public int Height { get; private set; }

    public int Stride => Width * 3;

    public PixelFormat PixelFormat => PixelFormat.Bgr24;

    public double NativeFps => _capture.Fps;

    /// <summary>Opens the input and reads its first frame, which sets the size (what a camera announces may differ).</summary>
    /// <exception cref="IOException">It cannot be opened, or gives no frame.</exception>
    public static OpenCvFrameSource Open(string input, int framesInFlight, Action<string> log)
    {
        var source = new OpenCvFrameSource(VideoCaptureSource.Open(input), framesInFlight);
        try
        {
            Mat first = source._ring[0];
            if (!source._capture.Read(first))
            {
                throw new IOException($"OpenCV opened {input} but read no frame from it");
            }

            (source.Width, source.Height) = (first.Cols, first.Rows);
            source._primed = true;
            log($"opencv: {input}: {source.Width}x{source.Height}" + (source.NativeFps > 0 ? $" at {source.NativeFps:0.###} fps" : "") + " (VideoCapture)");
            source._reader.Start();
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(ulong sequence, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<ReadOnlyMemory<byte>?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((sequence, done), cancellationToken);
        return await done.Task.WaitAsync(cancellationToken);
    }

    private void ServeReads()
    {
        foreach ((ulong sequence, TaskCompletionSource<ReadOnlyMemory<byte>?> done) in _requests.GetConsumingEnumerable())
        {
            try
            {
                done.TrySetResult(Read(sequence));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }
    }

    // On the reader thread. The stream's first frame is whatever sequence is asked for first; skipped frames are read
    // into the same Mat.
    private ReadOnlyMemory<byte>? Read(ulong sequence)
    {
        _position ??= sequence;
        int slot = _next;
        Mat mat = _ring[slot];
        while (true)
        {
            if (_primed)
            {
                _primed = false;
            }
            else if (!_capture.Read(mat))
            {
                return null;
            }

            if ((mat.Cols, mat.Rows) != (Width, Height) || mat.Type() != MatType.CV_8UC3 || !mat.IsContinuous())
            {
                throw new IOException($"opencv: {_capture.Input} gave a {mat.Cols}x{mat.Rows} {mat.Type()} frame; the stream is {Width}x{Height} CV_8UC3");
            }

            if (_position++ == sequence)
            {
                _next = (slot + 1) % _ring.Length;
                return _views[slot].Wrap(mat.Data, Stride * Height);
            }
        }
    }

    public void Dispose()
    {
        _requests.CompleteAdding();
        if (_reader.IsAlive && !_reader.Join(TimeSpan.FromSeconds(10)))
        {
            return; // a read stuck in OpenCV: leave its memory alone rather than free it under the reader
        }

        _requests.Dispose();
        _capture.Dispose();
        foreach (Mat mat in _ring)
        {
            mat.Dispose();
        }
    }
}
