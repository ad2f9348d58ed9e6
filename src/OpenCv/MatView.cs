using System.Buffers;
using OpenCvSharp;

namespace RawFrames.OpenCv;

/// <summary>
/// A Mat wrapping a received frame's memory (pinned for as long as the view lives), ended when the frame is
/// released: the Mat is then emptied (0x0, no data) rather than disposed, because OpenCvSharp crashes the process on
/// a disposed Mat's members while an empty one makes OpenCV functions throw OpenCVException. Either way it can never
/// read memory that holds another frame by then.
/// </summary>
internal sealed class MatView(Mat mat, MemoryHandle pin) : IDisposable
{
    private MemoryHandle _pin = pin;
    private int _ended;

    public Mat Mat { get; } = mat;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        if (!Mat.IsDisposed)
        {
            Mat.Create(0, 0, Mat.Type());
        }

        _pin.Dispose();
    }
}
