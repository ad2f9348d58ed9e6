using BenchmarkDotNet.Attributes;
using RawFrames.Codecs;

namespace RawFrames.Bench.Codecs;

/// <summary>Each codec encodes one BGR24 frame per operation.</summary>
public class EncodeBenchmarks : CodecBenchmarkBase
{
    private IFrameEncoder? _encoder;
    private byte[] _destination = [];

    [GlobalSetup]
    public void Setup()
    {
        LoadContent();
        _encoder = Codec == CodecCase.Raw ? null : FrameCodecs.CreateEncoder(Codec.WireCodec(), Codec.Settings());
        _destination = new byte[_encoder?.MaxEncodedSize(Frame.Width, Frame.Height) ?? Frame.Bgr.Length];
        EncodedSizes.Record(Codec, Content, Encode());
    }

    [Benchmark]
    public int Encode()
    {
        if (_encoder is null)
        {
            Frame.Bgr.CopyTo(_destination, 0);
            return Frame.Bgr.Length;
        }

        return _encoder.Encode(Frame.Bgr, Frame.Width, Frame.Height, Frame.Stride, _destination);
    }

    [GlobalCleanup]
    public void Cleanup() => _encoder?.Dispose();
}
