namespace RawFrames.Client;

/// <summary>What a <see cref="SinkPipeline"/>'s decode stage makes of frames, and on how many threads.</summary>
public sealed record SinkPipelineOptions
{
    /// <summary>
    /// What compressed frames are decoded to for the <see cref="IDecodedSink"/>s; null (the default): nothing is
    /// decoded. <see cref="DecodeTarget.Tensor"/> (with <see cref="Tensor"/>) makes a model input of raw frames too.
    /// </summary>
    public DecodeTarget? DecodeTo { get; init; }

    /// <summary>The model input every frame becomes, with <see cref="DecodeTarget.Tensor"/>; null otherwise.</summary>
    public TensorSpec? Tensor { get; init; }

    /// <summary>Decoder threads per connection; frames come out in sequence order whatever their number (the number of cores by default).</summary>
    public int DecoderThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>A measurement of every decoded frame, made on the decoder's thread; one per thread. Null: none.</summary>
    public Func<IPixelCheck>? Check { get; init; }
}
