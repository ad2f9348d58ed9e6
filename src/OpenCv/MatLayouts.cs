using OpenCvSharp;
using RawFrames.Client;

namespace RawFrames.OpenCv;

/// <summary>Which Mats travel as which raw frames, and back.</summary>
internal static class MatLayouts
{
    public const string Supported = "CV_8UC3 (BGR), CV_8UC1 (gray) and CV_8UC4 (BGRA)";

    /// <summary>The raw frame a Mat is sent as: its type's pixel format, its size, and its step as the stride.</summary>
    /// <exception cref="ArgumentException">Another element type, or more than two dimensions.</exception>
    public static FrameFormat FormatOf(Mat mat)
    {
        if (mat.Dims != 2 || mat.Empty())
        {
            throw new ArgumentException($"an empty or {mat.Dims}-dimensional Mat cannot be sent; a frame is a 2-D {Supported} Mat", nameof(mat));
        }

        MatType type = mat.Type();
        PixelFormat format = type == MatType.CV_8UC3 ? PixelFormat.Bgr24
            : type == MatType.CV_8UC1 ? PixelFormat.Gray8
            : type == MatType.CV_8UC4 ? PixelFormat.Bgra32
            : throw new ArgumentException($"a {type} Mat cannot be sent as a frame: {Supported} can (convert with Cv2.CvtColor or Mat.ConvertTo first)", nameof(mat));
        return new FrameFormat(format, mat.Cols, mat.Rows, checked((int)mat.Step()));
    }

    /// <summary>
    /// The Mat a raw frame is viewed as: packed pixel formats as rows of pixels; 4:2:0 formats as OpenCV lays out
    /// YUV420 (one CV_8UC1 plane of height * 3 / 2 rows, ready for Cv2.CvtColor with ColorConversionCodes.YUV2BGR_I420
    /// or YUV2BGR_NV12).
    /// </summary>
    /// <exception cref="NotSupportedException">A compressed frame (decode it with DecodeInto), or 4:2:0 with an odd height.</exception>
    public static (int Rows, int Cols, MatType Type) ShapeOf(Codec codec, PixelFormat format, int width, int height)
    {
        if (codec != Codec.Raw)
        {
            throw new NotSupportedException($"a {codec} frame is compressed: decode it into a Mat with DecodeInto");
        }

        return format switch
        {
            PixelFormat.Bgr24 or PixelFormat.Rgb24 => (height, width, MatType.CV_8UC3),
            PixelFormat.Bgra32 => (height, width, MatType.CV_8UC4),
            PixelFormat.Gray8 => (height, width, MatType.CV_8UC1),
            PixelFormat.I420 or PixelFormat.J420 or PixelFormat.Nv12 when height % 2 == 0 => (height * 3 / 2, width, MatType.CV_8UC1),
            _ => throw new NotSupportedException($"a raw {format} frame of {width}x{height} has no single-Mat layout in OpenCV; use DecodeInto for BGR"),
        };
    }
}
