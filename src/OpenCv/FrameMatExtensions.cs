using System.Buffers;
using OpenCvSharp;
using RawFrames.Client;

namespace RawFrames.OpenCv;

/// <summary>Received frames as OpenCV Mats: views of the received memory, or decoded into a Mat of yours.</summary>
public static class FrameMatExtensions
{
    /// <summary>
    /// The frame (received, detached or recorded) as a Mat that views its memory (the socket buffer, the shared-memory
    /// slot, the detached copy, the recording reader's buffer): nothing is copied. Raw BGR24, RGB24 and BGRA32 frames
    /// are 3- and 4-channel Mats with the frame's stride as their step, GRAY8 a 1-channel Mat, 4:2:0 frames OpenCV's
    /// YUV420 layout (one plane of height * 3 / 2 rows). The Mat lives as long as the frame's memory: when a received
    /// frame's loop moves on, a detached frame is disposed or a reader reads on, it is emptied (0x0, no data; OpenCV
    /// functions then throw), so it never shows the bytes of a later frame. Clone it to keep the pixels. Disposing it
    /// early is fine.
    /// </summary>
    /// <exception cref="NotSupportedException">A compressed frame: use <see cref="DecodeInto{TFrame}(TFrame, Mat)"/>.</exception>
    /// <exception cref="ObjectDisposedException">The frame was already released.</exception>
    /// <exception cref="InvalidOperationException">A recorded frame whose reader has read on.</exception>
    public static Mat ToMat<TFrame>(this TFrame frame)
        where TFrame : IFrame
    {
        if (frame is null)
        {
            throw new ArgumentNullException(nameof(frame));
        }

        FrameInfo info = frame.Info;
        (int rows, int cols, MatType type) = MatLayouts.ShapeOf(info.Codec, info.PixelFormat, info.Width, info.Height);
        MatView view = View(frame.Payload, rows, cols, type, info.Stride);
        try
        {
            frame.TrackView(view);
        }
        catch
        {
            view.Dispose();
            throw;
        }

        return view.Mat;
    }

    /// <summary>
    /// Decodes (JPEG, PNG, BMP) or converts (raw BGR24, RGB24, BGRA32, GRAY8, J420) the frame into
    /// <paramref name="destination"/> as CV_8UC3 BGR, (re)allocating it only when its size or type differs, so a Mat
    /// reused across frames costs no allocation per frame. The decoder comes from the receiver's (or reader's) pool.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is a non-continuous Mat (an ROI) of the frame's size.</exception>
    /// <exception cref="Codecs.CorruptFrameException">The payload does not decode.</exception>
    public static void DecodeInto<TFrame>(this TFrame frame, Mat destination)
        where TFrame : IFrame
    {
        if (frame is null)
        {
            throw new ArgumentNullException(nameof(frame));
        }

        FrameInfo info = frame.Info;
        frame.DecodeBgr(Prepare(info.Width, info.Height, destination));
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
