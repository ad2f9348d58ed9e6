using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using RawFrames.Bench.Content;
using RawFrames.Client;
using RawFrames.Codecs.Interop;
using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Bench.Codecs;

/// <summary>
/// Our JPEG encoders and decoders next to the bare TurboJPEG (and libyuv) calls they wrap, on the same frame: the
/// Ratio column is the wrapper's overhead (the goal is at most 1.05). q80, 4:2:0, one thread.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class TurboJpegCeilingBenchmarks
{
    private const int Quality = 80;
    private FrameContent _content = null!;
    private TurboJpegHandle _compressor = null!;
    private TurboJpegHandle _decompressor = null!;
    private JpegEncoder _jpegEncoder = null!;
    private YuvJpegEncoder _yuvJpegEncoder = null!;
    private JpegDecoder _decoder = null!;
    private JpegDecoder _fastDecoder = null!;
    private byte[] _jpeg = [];
    private byte[] _destination = [];
    private byte[] _planes = [];
    private byte[] _bgr = [];

    [Params(ContentKind.Photo1080, ContentKind.Noise1000)]
    public ContentKind Content { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _content = FrameContent.Get(Content);
        _compressor = TurboJpeg.InitCompress();
        _decompressor = TurboJpeg.InitDecompress();
        _jpegEncoder = new JpegEncoder(Quality);
        _yuvJpegEncoder = new YuvJpegEncoder(Quality);
        _decoder = new JpegDecoder();
        _fastDecoder = new JpegDecoder(fast: true);
        _destination = new byte[JpegEncoder.MaxEncodedSize(_content.Width, _content.Height, ChromaSubsampling.S420)];
        _jpeg = _destination[.._jpegEncoder.Encode(_content.Bgr, _content.Width, _content.Height, _content.Stride, _destination)];
        _planes = new byte[PixelLayout.RawPayloadSize(PixelFormat.J420, _content.Width, _content.Height, _content.Width)];
        _bgr = new byte[_content.Bgr.Length];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("encode JPEG")]
    public nuint BareCompress2()
    {
        fixed (byte* source = _content.Bgr)
        fixed (byte* output = _destination)
        {
            byte* jpeg = output;
            nuint size = (nuint)_destination.Length;
            Check(TurboJpeg.Compress2(_compressor, source, _content.Width, _content.Stride, _content.Height, TurboJpeg.PixelFormatBgr,
                &jpeg, &size, TurboJpeg.Samp420, Quality, TurboJpeg.FlagNoRealloc));
            return size;
        }
    }

    [Benchmark, BenchmarkCategory("encode JPEG")]
    public int OurJpegEncoder() => _jpegEncoder.Encode(_content.Bgr, _content.Width, _content.Height, _content.Stride, _destination);

    [Benchmark(Baseline = true), BenchmarkCategory("encode YUV-JPEG")]
    public nuint BareRgb24ToJ420AndCompressFromYuvPlanes()
    {
        int width = _content.Width;
        int height = _content.Height;
        int chromaStride = (width + 1) / 2;
        fixed (byte* source = _content.Bgr)
        fixed (byte* planes = _planes)
        fixed (byte* output = _destination)
        {
            byte* u = planes + (width * height);
            byte* v = u + (chromaStride * ((height + 1) / 2));
            Check(Yuv.Rgb24ToJ420(source, _content.Stride, planes, width, u, chromaStride, v, chromaStride, width, height));
            byte** pointers = stackalloc byte*[3] { planes, u, v };
            int* strides = stackalloc int[3] { width, chromaStride, chromaStride };
            byte* jpeg = output;
            nuint size = (nuint)_destination.Length;
            Check(TurboJpeg.CompressFromYuvPlanes(_compressor, pointers, width, strides, height, TurboJpeg.Samp420, &jpeg, &size, Quality,
                TurboJpeg.FlagNoRealloc));
            return size;
        }
    }

    [Benchmark, BenchmarkCategory("encode YUV-JPEG")]
    public int OurYuvJpegEncoder() => _yuvJpegEncoder.Encode(_content.Bgr, _content.Width, _content.Height, _content.Stride, _destination);

    [Benchmark(Baseline = true), BenchmarkCategory("decode to BGR")]
    public void BareDecompress2() => BareDecompress(0);

    [Benchmark, BenchmarkCategory("decode to BGR")]
    public void OurJpegDecoder() => _decoder.DecodeToBgr(_jpeg, _bgr, _content.Width, _content.Height, _content.Stride);

    [Benchmark(Baseline = true), BenchmarkCategory("decode to BGR, fast IDCT and upsampling")]
    public void BareDecompress2Fast() => BareDecompress(TurboJpeg.FlagFastDct | TurboJpeg.FlagFastUpsample);

    [Benchmark, BenchmarkCategory("decode to BGR, fast IDCT and upsampling")]
    public void OurJpegDecoderFast() => _fastDecoder.DecodeToBgr(_jpeg, _bgr, _content.Width, _content.Height, _content.Stride);

    [Benchmark(Baseline = true), BenchmarkCategory("decode to J420 planes")]
    public void BareDecompressToYuvPlanes()
    {
        int width = _content.Width;
        int height = _content.Height;
        int chromaStride = (width + 1) / 2;
        fixed (byte* source = _jpeg)
        fixed (byte* planes = _planes)
        {
            byte* u = planes + (width * height);
            byte** pointers = stackalloc byte*[3] { planes, u, u + (chromaStride * ((height + 1) / 2)) };
            int* strides = stackalloc int[3] { width, chromaStride, chromaStride };
            Check(TurboJpeg.DecompressToYuvPlanes(_decompressor, source, (nuint)_jpeg.Length, pointers, width, strides, height, 0));
        }
    }

    [Benchmark, BenchmarkCategory("decode to J420 planes")]
    public void OurJpegDecoderToPlanes() => _decoder.DecodeToJ420(_jpeg, _planes, _content.Width, _content.Height);

    [GlobalCleanup]
    public void Cleanup()
    {
        _compressor.Dispose();
        _decompressor.Dispose();
        _jpegEncoder.Dispose();
        _yuvJpegEncoder.Dispose();
        _decoder.Dispose();
        _fastDecoder.Dispose();
    }

    private void BareDecompress(int flags)
    {
        fixed (byte* source = _jpeg)
        fixed (byte* output = _bgr)
        {
            Check(TurboJpeg.Decompress2(_decompressor, source, (nuint)_jpeg.Length, output, _content.Width, _content.Stride, _content.Height,
                TurboJpeg.PixelFormatBgr, flags));
        }
    }

    private static void Check(int status)
    {
        if (status != 0)
        {
            throw new InvalidOperationException("native call failed");
        }
    }
}
