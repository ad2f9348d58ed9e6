using BenchmarkDotNet.Attributes;
using RawFrames.Codecs;
using RawFrames.Client;

namespace RawFrames.Bench.Codecs;

/// <summary>Each codec decodes one payload to packed BGR24 per operation.</summary>
public class DecodeBenchmarks : CodecBenchmarkBase
{
    private IFrameDecoder? _decoder;
    private byte[] _payload = [];
    private byte[] _output = [];

    [GlobalSetup]
    public void Setup()
    {
        LoadContent();
        _output = new byte[Frame.Bgr.Length];
        if (Codec == CodecCase.Raw)
        {
            _payload = Frame.Bgr;
        }
        else
        {
            using IFrameEncoder encoder = FrameCodecs.CreateEncoder(Codec.WireCodec(), Codec.Settings());
            byte[] buffer = new byte[encoder.MaxEncodedSize(Frame.Width, Frame.Height)];
            _payload = buffer[..encoder.Encode(Frame.Bgr, Frame.Width, Frame.Height, Frame.Stride, buffer)];
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

        _decoder.Decode(_payload, Frame.Width, Frame.Height, _output);
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder?.Dispose();
}
