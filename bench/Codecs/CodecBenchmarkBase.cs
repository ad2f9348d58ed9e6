using BenchmarkDotNet.Attributes;
using RawFrames.Bench.Content;

namespace RawFrames.Bench.Codecs;

/// <summary>Every codec on every content, one frame per operation, on one thread, into buffers allocated once.</summary>
[BenchmarkCategory("codecs")]
public abstract class CodecBenchmarkBase
{
    [ParamsAllValues]
    public ContentKind Content { get; set; }

    [ParamsAllValues]
    public CodecCase Codec { get; set; }

    /// <summary>The frame being encoded, or whose encoding is decoded; set by <see cref="LoadContent"/>.</summary>
    protected FrameContent Frame { get; private set; } = null!;

    protected void LoadContent() => Frame = FrameContent.Get(Content);
}
