using System.Buffers;
using OpenCvSharp;
using RawFrames.Client;

namespace RawFrames.OpenCv;

/// <summary>Sends OpenCV Mats through a <see cref="FrameSender"/> as they are in memory.</summary>
public static class FrameSenderMatExtensions
{
    /// <summary>
    /// Sends <paramref name="mat"/> (CV_8UC3 BGR, CV_8UC1 gray or CV_8UC4 BGRA) without copying it first: its rows go
    /// out from the Mat's own memory with its step as the stride, so ROIs and other non-continuous Mats travel as they
    /// are (raw, or encoded with the sender's codec). The Mat is read during the call only. An ROI whose last row
    /// ends where its parent's memory ends is the one case copied: a frame's payload spans whole strides.
    /// </summary>
    /// <exception cref="ArgumentException">Another Mat type, or an empty Mat (the message says what is supported).</exception>
    public static ValueTask<bool> SendAsync(this FrameSender sender, Mat mat, ReadOnlyMemory<byte> metadata = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(mat);
        OpenCvRuntime.Require();
        FrameFormat format = MatLayouts.FormatOf(mat);
        long length = format.PayloadLength;
        return mat.Data + (nint)length <= mat.DataLimit
            ? sender.SendAsync(mat.Data, length, format, metadata, cancellationToken)
            : SendCopyAsync(sender, mat, format, metadata, cancellationToken);
    }

    private static async ValueTask<bool> SendCopyAsync(FrameSender sender, Mat mat, FrameFormat format, ReadOnlyMemory<byte> metadata,
        CancellationToken cancellationToken)
    {
        int rowBytes = checked(mat.Cols * mat.ElemSize());
        var packed = new FrameFormat(format.PixelFormat, format.Width, format.Height);
        byte[] copy = ArrayPool<byte>.Shared.Rent(checked((int)packed.PayloadLength));
        try
        {
            unsafe
            {
                int rows = mat.Rows;
                for (int row = 0; row < rows; row++)
                {
                    new ReadOnlySpan<byte>((byte*)mat.Ptr(row), rowBytes).CopyTo(copy.AsSpan(row * rowBytes));
                }
            }

            return await sender.SendAsync(copy.AsMemory(0, (int)packed.PayloadLength), packed, metadata, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }
}
