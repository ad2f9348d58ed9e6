using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RawFrames.Client;
using RawFrames.Codecs.Interop;
using RawFrames.Protocol.Wire;

namespace RawFrames.Codecs;

/// <summary>
/// Any frame (JPEG, PNG, BMP or raw pixels) to the tensor a model takes, into the caller's buffer. A JPEG is decoded
/// at the smallest TurboJPEG scale (an eighth step) that still covers the tensor's content, inside the DCT, so a
/// 1080p frame for a 640x640 model decodes at half size; libyuv's bilinear scaler does the rest; one last pass writes
/// channel order, layout and element type. Its scratch buffers grow to the largest frame and are reused: no
/// allocation per frame. One instance per thread.
/// Only the power-of-two scales (1/8, 1/4, 1/2, 1) are used: libjpeg-turbo has SIMD inverse DCTs for those alone, and
/// measured on a 1080p q80 photo, a 3/8 decode took 3.0 ms of CPU against 2.45 ms for 1/2 (entropy decoding, about
/// 1.9 ms, is paid at every scale).
/// </summary>
public sealed unsafe class TensorPreprocessor : IDisposable
{
    private static readonly TurboJpeg.ScalingFactor[] DownScales = LoadDownScales();
    private readonly TurboJpegHandle _jpeg;
    private readonly CodecPool _codecs;
    private byte[] _pixels = [];
    private byte[] _content = [];
    private byte[] _decoded = [];

    /// <param name="codecs">Decoders for PNG and BMP frames, which are decoded whole.</param>
    public TensorPreprocessor(CodecPool codecs)
    {
        NativeCodecs.Require(Libraries.TurboJpeg);
        NativeCodecs.Require(Libraries.Yuv);
        _codecs = codecs;
        _jpeg = TurboJpeg.InitDecompress();
        if (_jpeg.IsInvalid)
        {
            throw new InvalidOperationException("tjInitDecompress failed");
        }
    }

    /// <summary>False: JPEGs are decoded whole, as cv2 does (the bench measures what the scaled decode saves and costs).</summary>
    public bool ScaledDecode { get; init; } = true;

    /// <summary>
    /// Writes the tensor for one frame into <paramref name="output"/> (at least <see cref="TensorSpec.ByteCount"/> bytes)
    /// and returns where the image landed in it.
    /// </summary>
    /// <param name="codec">The frame's codec.</param>
    /// <param name="pixelFormat">Raw frames: the payload's layout. Compressed: what it was coded from (PROTOCOL.md §7).</param>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <param name="stride">Raw frames: bytes from one row of the first plane to the next. Compressed: 0.</param>
    /// <param name="payload">The frame's payload.</param>
    /// <param name="spec">The tensor the model takes.</param>
    /// <param name="output">Where the tensor is written.</param>
    /// <exception cref="CorruptFrameException">The payload does not decode, or is not the size its header says.</exception>
    /// <exception cref="NotSupportedException">A raw pixel format without a conversion.</exception>
    public Letterbox Convert(Codec codec, PixelFormat pixelFormat, int width, int height, int stride, ReadOnlySpan<byte> payload,
        TensorSpec spec, Span<byte> output) =>
        Convert(new FrameHeader(codec, pixelFormat, FrameFlags.None, 0, width, height, stride, 0, 0, 0), payload, spec, output);

    /// <inheritdoc cref="Convert(Codec, PixelFormat, int, int, int, ReadOnlySpan{byte}, TensorSpec, Span{byte})"/>
    internal Letterbox Convert(in FrameHeader header, ReadOnlySpan<byte> payload, TensorSpec spec, Span<byte> output)
    {
        CodecArguments.CheckDestination(output, spec.ByteCount);
        TensorPlacement place = TensorPlacement.Compute(header.Width, header.Height, spec);
        fixed (byte* source = payload)
        fixed (byte* target = output)
        {
            BgraPixels region = header.Codec switch
            {
                Codec.Jpeg or Codec.YuvJpeg => DecodeJpeg(header, source, payload.Length, place),
                Codec.Raw => ToBgra(header.PixelFormat, source, payload.Length, header.Width, header.Height, header.Stride, place),
                _ => DecodeWhole(header, payload, place),
            };
            if (region.Width != place.ContentWidth || region.Height != place.ContentHeight)
            {
                byte* content = Grow(ref _content, place.ContentWidth * place.ContentHeight * 4);
                Check(Yuv.ArgbScale(region.Start, region.Stride, region.Width, region.Height, content, place.ContentWidth * 4, place.ContentWidth,
                    place.ContentHeight, Yuv.FilterBilinear), "ARGBScale");
                region = new BgraPixels(content, place.ContentWidth * 4, place.ContentWidth, place.ContentHeight);
            }

            TensorWriter.Write(spec, place, region.Start, region.Stride, target);
        }

        return place.Letterbox(header.Width, header.Height);
    }

    /// <summary>The TurboJPEG scale (num/denom) a frame of this region decodes at for this content size: the smallest that covers it.</summary>
    public static (int Num, int Denom) DecodeScale(int regionWidth, int regionHeight, int contentWidth, int contentHeight)
    {
        foreach (TurboJpeg.ScalingFactor factor in DownScales)
        {
            if (Scaled(regionWidth, factor) >= contentWidth && Scaled(regionHeight, factor) >= contentHeight)
            {
                return (factor.Num, factor.Denom);
            }
        }

        return (1, 1);
    }

    /// <summary>Frees the TurboJPEG handle.</summary>
    public void Dispose() => _jpeg.Dispose();

    private BgraPixels DecodeJpeg(in FrameHeader header, byte* jpeg, int length, in TensorPlacement place)
    {
        int width;
        int height;
        int subsampling;
        int colorspace;
        if (length == 0 || TurboJpeg.DecompressHeader3(_jpeg, jpeg, (nuint)length, &width, &height, &subsampling, &colorspace) != 0)
        {
            throw new CorruptFrameException($"not a readable JPEG: {(length == 0 ? "empty" : TurboJpeg.LastError(_jpeg))}");
        }

        if (width != header.Width || height != header.Height)
        {
            throw new CorruptFrameException($"the JPEG is {width}x{height} but the frame header says {header.Width}x{header.Height}");
        }

        (int num, int denom) = ScaledDecode ? DecodeScale(place.RegionWidth, place.RegionHeight, place.ContentWidth, place.ContentHeight) : (1, 1);
        int scaledWidth = Scaled(width, num, denom);
        int scaledHeight = Scaled(height, num, denom);
        byte* pixels = Grow(ref _pixels, scaledWidth * scaledHeight * 4);
        if (TurboJpeg.Decompress2(_jpeg, jpeg, (nuint)length, pixels, scaledWidth, scaledWidth * 4, scaledHeight, TurboJpeg.PixelFormatBgrx, 0) != 0)
        {
            throw new CorruptFrameException($"JPEG decode failed: {TurboJpeg.LastError(_jpeg)}");
        }

        int x = (int)((long)place.RegionX * scaledWidth / width);
        int y = (int)((long)place.RegionY * scaledHeight / height);
        int regionWidth = Math.Min(scaledWidth - x, Scaled(place.RegionWidth, num, denom));
        int regionHeight = Math.Min(scaledHeight - y, Scaled(place.RegionHeight, num, denom));
        return new BgraPixels(pixels + (((long)y * scaledWidth) + x) * 4, scaledWidth * 4, regionWidth, regionHeight);
    }

    private BgraPixels ToBgra(PixelFormat format, byte* payload, int length, int width, int height, int stride,
        in TensorPlacement place)
    {
        long needed = PixelLayout.RawPayloadSize(format, width, height, stride);
        if (length < needed)
        {
            throw new CorruptFrameException($"a raw {format} {width}x{height} frame with stride {stride} needs {needed} bytes, got {length}");
        }

        int regionWidth = place.RegionWidth;
        int regionHeight = place.RegionHeight;
        int rowBytes = regionWidth * 4;
        switch (format)
        {
            case PixelFormat.Bgra32:
                return new BgraPixels(payload + ((long)place.RegionY * stride) + (place.RegionX * 4), stride, regionWidth, regionHeight);
            case PixelFormat.Bgr24 or PixelFormat.Rgb24 or PixelFormat.Gray8:
            {
                int bytesPerPixel = format == PixelFormat.Gray8 ? 1 : 3;
                byte* first = payload + ((long)place.RegionY * stride) + (place.RegionX * bytesPerPixel);
                byte* pixels = Grow(ref _pixels, rowBytes * regionHeight);
                Check(format switch
                {
                    PixelFormat.Bgr24 => Yuv.Bgr24ToArgb(first, stride, pixels, rowBytes, regionWidth, regionHeight),
                    PixelFormat.Rgb24 => Yuv.Rgb24ToArgb(first, stride, pixels, rowBytes, regionWidth, regionHeight),
                    _ => Yuv.GrayToArgb(first, stride, pixels, rowBytes, regionWidth, regionHeight),
                }, $"{format} to ARGB");
                return new BgraPixels(pixels, rowBytes, regionWidth, regionHeight);
            }

            case PixelFormat.J420 or PixelFormat.I420 or PixelFormat.Nv12:
            {
                // Chroma is shared by 2x2 pixels, so the whole frame is converted and the region picked from it.
                byte* pixels = Grow(ref _pixels, width * height * 4);
                (int chromaStride, int uOffset, int vOffset) = CodecArguments.J420Planes(height, stride);
                Check(format switch
                {
                    PixelFormat.J420 => Yuv.J420ToArgb(payload, stride, payload + uOffset, chromaStride, payload + vOffset, chromaStride, pixels, width * 4, width, height),
                    PixelFormat.I420 => Yuv.I420ToArgb(payload, stride, payload + uOffset, chromaStride, payload + vOffset, chromaStride, pixels, width * 4, width, height),
                    _ => Yuv.Nv12ToArgb(payload, stride, payload + ((long)stride * height), stride, pixels, width * 4, width, height),
                }, $"{format} to ARGB");
                return new BgraPixels(pixels + ((((long)place.RegionY * width) + place.RegionX) * 4), width * 4, regionWidth, regionHeight);
            }

            default:
                throw new NotSupportedException($"raw {format} frames have no conversion to a tensor");
        }
    }

    private BgraPixels DecodeWhole(in FrameHeader header, ReadOnlySpan<byte> payload, in TensorPlacement place)
    {
        int size = checked(header.Width * header.Height * 3);
        byte* decoded = Grow(ref _decoded, size);
        using (CodecPool.Lease<IFrameDecoder> decoder = _codecs.RentDecoder(header.Codec, DecodeTarget.Bgr))
        {
            decoder.Codec.Decode(payload, header.Width, header.Height, _decoded.AsSpan(0, size));
        }

        return ToBgra(PixelFormat.Bgr24, decoded, size, header.Width, header.Height, header.Width * 3, place);
    }

    private static int Scaled(int dimension, TurboJpeg.ScalingFactor factor) => Scaled(dimension, factor.Num, factor.Denom);

    /// <summary>TJSCALED: the size TurboJPEG gives a dimension at num/denom.</summary>
    private static int Scaled(int dimension, int num, int denom) => (int)((((long)dimension * num) + denom - 1) / denom);

    /// <summary>A pinned buffer of at least <paramref name="size"/> bytes (grown, never shrunk), as a pointer.</summary>
    private static byte* Grow(ref byte[] buffer, int size)
    {
        if (buffer.Length < size)
        {
            buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        }

        return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"libyuv {what} failed ({result})");
        }
    }

    private static TurboJpeg.ScalingFactor[] LoadDownScales()
    {
        NativeCodecs.Require(Libraries.TurboJpeg);
        int count;
        TurboJpeg.ScalingFactor* factors = TurboJpeg.GetScalingFactors(&count);
        return new ReadOnlySpan<TurboJpeg.ScalingFactor>(factors, factors is null ? 0 : count).ToArray()
            .Where(factor => factor.Num == 1 && factor.Denom is 1 or 2 or 4 or 8)
            .OrderBy(factor => (double)factor.Num / factor.Denom)
            .ToArray();
    }

    /// <summary>Rows of B,G,R,A pixels somewhere in memory.</summary>
    private readonly struct BgraPixels(byte* start, int stride, int width, int height)
    {
        public byte* Start { get; } = start;

        public int Stride { get; } = stride;

        public int Width { get; } = width;

        public int Height { get; } = height;
    }
}
