using BenchmarkDotNet.Attributes;
using RawFrames.Bench.Content;
using RawFrames.Codecs;

namespace RawFrames.Bench.Codecs;

/// <summary>One payload decoded to packed BGR24 per operation, on one thread, into a buffer allocated once.</summary>
[BenchmarkCategory("codecs")]
public class DecodeBenchmarks
{
    private FrameContent _content = null!;
    private IFrameDecoder? _decoder;
    private byte[] _payload = [];
    private byte[] _output = [];

    [ParamsAllValues]
    public ContentKind Content { get; set; }

    [ParamsAllValues]
    public CodecCase Codec { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _content = FrameContent.Get(Content);
        _output = new byte[_content.Bgr.Length];
        if (Codec == CodecCase.Raw)
        {
            _payload = _content.Bgr;
        }
        else
        {
            using IFrameEncoder encoder = FrameCodecs.CreateEncoder(Codec.WireCodec(), Codec.Settings());
            byte[] buffer = new byte[encoder.MaxEncodedSize(_content.Width, _content.Height)];
            _payload = buffer[..encoder.Encode(_content.Bgr, _content.Width, _content.Height, _content.Stride, buffer)];
            _decoder = FrameCodecs.CreateDecoder(Codec.WireCodec(), DecodeTarget.Bgr);
        }

        EncodedSizes.Record(Codec, Content, _payload.Length);
    }

    [Benchmark]
    public void Decode()
    {
        if (_decoder is null)
        {
            _payload.CopyTo(_output, 0);
            return;
        }

        _decoder.Decode(_payload, _content.Width, _content.Height, _output);
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder?.Dispose();
}
