using System.Buffers;
using OpenCvSharp;
using RawFrames.Client;

namespace RawFrames.OpenCv;

/// <summary>Received frames as OpenCV Mats: views of the received memory, or decoded into a Mat of yours.</summary>
public static class FrameMatExtensions
{
    /// <summary>
    /// The frame as a Mat that views the received memory (the socket buffer or the shared-memory slot): nothing is
    /// copied. Raw BGR24, RGB24 and BGRA32 frames are 3- and 4-channel Mats with the frame's stride as their step,
    /// GRAY8 a 1-channel Mat, 4:2:0 frames OpenCV's YUV420 layout (one plane of height * 3 / 2 rows). The Mat lives as
    /// long as the frame: when the iteration moves on it is emptied (0x0, no data; OpenCV functions then throw), so it
    /// never shows the bytes of a later frame. Clone it to keep the pixels. Disposing it early is fine.
    /// </summary>
    /// <exception cref="NotSupportedException">A compressed frame: use <see cref="DecodeInto(ReceivedFrame, Mat)"/>.</exception>
    /// <exception cref="ObjectDisposedException">The frame was already released.</exception>
    public static Mat ToMat(this ReceivedFrame frame)
    {
        (int rows, int cols, MatType type) = MatLayouts.ShapeOf(frame.Codec, frame.PixelFormat, frame.Width, frame.Height);
        MatView view = View(frame.Payload, rows, cols, type, frame.Stride);
        frame.TrackView(view);
        return view.Mat;
    }

    /// <summary>The same for a detached frame: the Mat lives until the frame is disposed.</summary>
    /// <inheritdoc cref="ToMat(ReceivedFrame)" path="/exception"/>
    public static Mat ToMat(this DetachedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        (int rows, int cols, MatType type) = MatLayouts.ShapeOf(frame.Codec, frame.PixelFormat, frame.Width, frame.Height);
        MatView view = View(frame.Payload, rows, cols, type, frame.Stride);
        frame.TrackView(view);
        return view.Mat;
    }

    /// <summary>
    /// Decodes (JPEG, PNG, BMP) or converts (raw BGR24, RGB24, BGRA32, GRAY8, J420) the frame into
    /// <paramref name="destination"/> as CV_8UC3 BGR, (re)allocating it only when its size or type differs, so a Mat
    /// reused across frames costs no allocation per frame. The decoder comes from the receiver's pool.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is a non-continuous Mat (an ROI) of the frame's size.</exception>
    /// <exception cref="Codecs.CorruptFrameException">The payload does not decode.</exception>
    public static void DecodeInto(this ReceivedFrame frame, Mat destination) => frame.DecodeBgr(Prepare(frame.Width, frame.Height, destination));

    /// <summary>The same for a detached frame.</summary>
    /// <inheritdoc cref="DecodeInto(ReceivedFrame, Mat)" path="/exception"/>
    public static void DecodeInto(this DetachedFrame frame, Mat destination)
    {
        ArgumentNullException.ThrowIfNull(frame);
        frame.DecodeBgr(Prepare(frame.Width, frame.Height, destination));
    }

    // The destination as a CV_8UC3 Mat of the frame's size, and its pixels as one span.
    private static unsafe Span<byte> Prepare(int width, int height, Mat destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        OpenCvRuntime.Require();
        destination.Create(height, width, MatType.CV_8UC3);
        if (!destination.IsContinuous())
        {
            throw new ArgumentException("decoding writes packed rows: pass a continuous Mat (or a new Mat()), not an ROI", nameof(destination));
        }

        return new Span<byte>((void*)destination.Data, checked(width * height * 3));
    }

    private static unsafe MatView View(ReadOnlyMemory<byte> payload, int rows, int cols, MatType type, int stride)
    {
        OpenCvRuntime.Require();
        MemoryHandle pin = payload.Pin();
        try
        {
            return new MatView(Mat.FromPixelData(rows, cols, type, (nint)pin.Pointer, stride), pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }
}
