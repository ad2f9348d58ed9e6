using BenchmarkDotNet.Attributes;
using RawFrames.Bench.Content;
using RawFrames.Codecs;

namespace RawFrames.Bench.Codecs;

/// <summary>One frame encoded per operation, on one thread, into a buffer allocated once.</summary>
[BenchmarkCategory("codecs")]
public class EncodeBenchmarks
{
    private FrameContent _content = null!;
    private IFrameEncoder? _encoder;
    private byte[] _destination = [];

    [ParamsAllValues]
    public ContentKind Content { get; set; }

    [ParamsAllValues]
    public CodecCase Codec { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _content = FrameContent.Get(Content);
        _encoder = Codec == CodecCase.Raw ? null : FrameCodecs.CreateEncoder(Codec.WireCodec(), Codec.Settings());
        _destination = new byte[_encoder?.MaxEncodedSize(_content.Width, _content.Height) ?? _content.Bgr.Length];
        EncodedSizes.Record(Codec, Content, Encode());
    }

    [Benchmark]
    public int Encode()
    {
        if (_encoder is null)
        {
            _content.Bgr.CopyTo(_destination, 0);
            return _content.Bgr.Length;
        }

        return _encoder.Encode(_content.Bgr, _content.Width, _content.Height, _content.Stride, _destination);
    }

    [GlobalCleanup]
    public void Cleanup() => _encoder?.Dispose();
}
