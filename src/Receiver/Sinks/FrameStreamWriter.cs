using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Receiver.Sinks;

/// <summary>
/// <c>rawframes-recv --stdout</c>: the frames of one stream as one continuous byte stream for another program
/// (ffmpeg, ffplay, a script): raw pixels with the row padding dropped, compressed payloads back to back as they
/// arrived (an MJPEG, PNG or BMP pipe), or decoded pixels.
/// </summary>
/// <remarks>
/// A reader of such a stream knows the geometry only from its own command line, so the first frame fixes the stream
/// (connection and stream id) and its codec, pixel format and size; frames of other streams, or of another shape,
/// are not written and are counted in <see cref="Skipped"/>. Writes block when the reader is slower: backpressure
/// reaches the sender and no frame is dropped. A reader that goes away ends the output (<see cref="Closed"/>).
/// </remarks>
internal sealed class FrameStreamWriter : IDisposable
{
    private readonly Stream _output;
    private readonly Lock _lock = new();
    private (long Connection, uint Stream, Codec Codec, PixelFormat Format, int Width, int Height)? _chosen;
    private long _written;
    private long _skipped;

    public FrameStreamWriter(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        // Rows of padded frames are written one by one: batch them into few pipe writes. Flushed after each frame.
        _output = new BufferedStream(output, 1 << 20);
    }

    public long Written => Interlocked.Read(ref _written);

    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Why the output ended early (the reader closed the pipe), or null.</summary>
    public string? Closed { get; private set; }

    /// <summary>The first frame's shape, as a reader must be told it: e.g. <c>raw Bgr24 1920x1080</c>.</summary>
    public string? Describe() => _chosen is { } c ? $"{CodecNames.Name(c.Codec)} {c.Format} {c.Width}x{c.Height}" : null;

    /// <summary>For model inputs (PROTOCOL.md §7.2), how numpy reads one of them from this output; null for pictures.</summary>
    public string? NumpyInput()
    {
        if (_chosen is not { } c || !PixelLayout.IsTensor(c.Format) && !(c.Format is PixelFormat.Rgb24 or PixelFormat.Bgr24 && ModelInputs))
        {
            return null;
        }

        bool floats = c.Format is PixelFormat.RgbF32Planar or PixelFormat.BgrF32Planar or PixelFormat.RgbF32 or PixelFormat.BgrF32;
        string shape = PixelLayout.IsThreePlanes(c.Format) ? $"3, {c.Height}, {c.Width}" : $"{c.Height}, {c.Width}, 3";
        long bytes = PixelLayout.RawPayloadSize(c.Format, c.Width, c.Height, PixelLayout.MinStride(c.Format, c.Width));
        return $"numpy.frombuffer(sys.stdin.buffer.read({bytes}), numpy.{(floats ? "float32" : "uint8")}).reshape({shape})";
    }

    /// <summary>The decoded frames are model inputs (--model): uint8 HWC ones are RGB24/BGR24 but read as tensors.</summary>
    public bool ModelInputs { get; init; }

    /// <summary>The ffmpeg input options that read this output, e.g. <c>-f rawvideo -pixel_format bgr24 -video_size 1920x1080 -i -</c>; null for model inputs.</summary>
    public string? FfmpegInput() => _chosen is not { } c || NumpyInput() is not null ? null : c.Codec switch
    {
        Codec.Jpeg or Codec.YuvJpeg => "-f mjpeg -i -",
        Codec.Png => "-f png_pipe -i -",
        Codec.Bmp => "-f bmp_pipe -i -",
        _ => $"-f rawvideo -pixel_format {c.Format switch
        {
            PixelFormat.Bgr24 => "bgr24",
            PixelFormat.Rgb24 => "rgb24",
            PixelFormat.Bgra32 => "bgra",
            PixelFormat.Gray8 => "gray",
            PixelFormat.I420 => "yuv420p",
            PixelFormat.J420 => "yuvj420p",
            _ => "nv12",
        }} -video_size {c.Width}x{c.Height} -i -",
    };

    /// <summary>Writes a received frame (raw pixels without padding, or the compressed payload as it is).</summary>
    public bool TryWrite(long connection, FrameInfo header, ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            if (!Accepts(connection, header, header.Codec, header.PixelFormat))
            {
                return false;
            }

            try
            {
                if (header.Codec == Codec.Raw)
                {
                    WriteRaw(payload, header);
                }
                else
                {
                    _output.Write(payload);
                }

                return Flushed();
            }
            catch (IOException e)
            {
                return Broken(e);
            }
        }
    }

    /// <summary>Writes a decoded frame (<paramref name="header"/> describes it as a raw frame): tightly packed BGR24, J420 planes with stride = width, or a model input.</summary>
    public bool TryWriteDecoded(long connection, FrameInfo header, ReadOnlySpan<byte> pixels)
    {
        lock (_lock)
        {
            if (!Accepts(connection, header, Codec.Raw, header.PixelFormat))
            {
                return false;
            }

            try
            {
                _output.Write(pixels);
                return Flushed();
            }
            catch (IOException e)
            {
                return Broken(e);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _output.Dispose();
        }
        catch (IOException)
        {
            // The reader is gone; nothing left to tell it.
        }
    }

    private bool Accepts(long connection, FrameInfo header, Codec codec, PixelFormat format)
    {
        var shape = (connection, header.StreamId, codec, format, header.Width, header.Height);
        _chosen ??= shape;
        if (Closed is not null || _chosen != shape)
        {
            _skipped++;
            return false;
        }

        return true;
    }

    private bool Flushed()
    {
        _output.Flush();
        _written++;
        return true;
    }

    private bool Broken(IOException e)
    {
        Closed = $"the reader of stdout went away ({e.Message})";
        return false;
    }

    // PROTOCOL.md §7.1: every plane's rows without the bytes between a row's end and the stride; every image of a batch.
    private void WriteRaw(ReadOnlySpan<byte> payload, FrameInfo header)
    {
        int size = checked((int)PixelLayout.RawPayloadSize(header.PixelFormat, header.Width, header.Height, header.Stride));
        for (int offset = 0; offset + size <= payload.Length; offset += size)
        {
            WriteImage(payload.Slice(offset, size), header);
        }
    }

    private void WriteImage(ReadOnlySpan<byte> payload, FrameInfo header)
    {
        int width = header.Width, height = header.Height, stride = header.Stride;
        int halfWidth = (width + 1) / 2, halfHeight = (height + 1) / 2, halfStride = (stride + 1) / 2;
        switch (header.PixelFormat)
        {
            case PixelFormat.I420 or PixelFormat.J420:
                WritePlane(payload, 0, width, height, stride);
                WritePlane(payload, stride * height, halfWidth, halfHeight, halfStride);
                WritePlane(payload, (stride * height) + (halfStride * halfHeight), halfWidth, halfHeight, halfStride);
                break;
            case PixelFormat.Nv12:
                WritePlane(payload, 0, width, height, stride);
                WritePlane(payload, stride * height, 2 * halfWidth, halfHeight, stride);
                break;
            case var planar when PixelLayout.IsThreePlanes(planar):
                for (int plane = 0; plane < 3; plane++)
                {
                    WritePlane(payload, plane * stride * height, (int)PixelLayout.MinStride(planar, width), height, stride);
                }

                break;
            default:
                WritePlane(payload, 0, (int)PixelLayout.MinStride(header.PixelFormat, width), height, stride);
                break;
        }
    }

    private void WritePlane(ReadOnlySpan<byte> payload, int offset, int rowBytes, int rows, int stride)
    {
        if (rowBytes == stride)
        {
            _output.Write(payload.Slice(offset, rowBytes * rows));
            return;
        }

        for (int row = 0; row < rows; row++)
        {
            _output.Write(payload.Slice(offset + (row * stride), rowBytes));
        }
    }
}
