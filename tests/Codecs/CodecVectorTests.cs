using System.Text.Json;
using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Tests.Codecs;

/// <summary>PROTOCOL.md §7: the payload of every compressed-codec golden vector decodes, to the stated pixels where given.</summary>
public sealed class CodecVectorTests
{
    public static TheoryData<string> CodecVectors() =>
        [.. new[] { "jpeg-frame", "yuv-jpeg-frame", "png-frame", "bmp-frame" }];

    [Theory]
    [MemberData(nameof(CodecVectors))]
    public void Payload_DecodesWithOurDecoder(string name)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", name + ".json")));
        JsonElement frame = json.RootElement.GetProperty("frames")[0];
        var codec = (Codec)frame.GetProperty("codec").GetInt32();
        int width = frame.GetProperty("width").GetInt32();
        int height = frame.GetProperty("height").GetInt32();
        byte[] payload = Convert.FromHexString(frame.GetProperty("payload_hex").GetString()!);
        using IFrameDecoder decoder = FrameCodecs.CreateDecoder(codec, DecodeTarget.Bgr);
        byte[] output = new byte[decoder.OutputSize(width, height)];

        decoder.Decode(payload, width, height, output);

        if (json.RootElement.TryGetProperty("decoded_bgr_hex", out JsonElement expected))
        {
            output.Should().Equal(Convert.FromHexString(expected.GetString()!));
        }
        else
        {
            output.Should().Contain(b => b != 0, "the test image is not black");
        }
    }
}
