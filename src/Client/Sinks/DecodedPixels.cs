namespace RawFrames.Client;

/// <summary>A frame's pixels from the decode stage: the decoder's output, or why there is none.</summary>
/// <param name="Target">What the frame was decoded to.</param>
/// <param name="Pixels">The decoded pixels, valid during the call.</param>
/// <param name="Error">Why there are no pixels (a corrupt payload); null when there are.</param>
/// <param name="Measured">What the pipeline's <see cref="IPixelCheck"/> measured of the pixels (the programs: luma PSNR against the synthetic pattern); NaN without one.</param>
/// <param name="Tensor">For <see cref="DecodeTarget.Tensor"/>: what the pixels are.</param>
/// <param name="Letterbox">For <see cref="DecodeTarget.Tensor"/>: where the frame landed in them.</param>
public readonly record struct DecodedPixels(DecodeTarget Target, ReadOnlyMemory<byte> Pixels, string? Error, double Measured,
    TensorSpec? Tensor = null, Letterbox? Letterbox = null)
{
    /// <summary>The header of the decoded pixels as a raw frame: packed BGR24, J420 planes with stride = width, or the model input (PROTOCOL.md §7.2).</summary>
    public FrameInfo AsRaw(in FrameInfo header) => Target switch
    {
        DecodeTarget.Bgr => header with { Codec = Codec.Raw, PixelFormat = PixelFormat.Bgr24, Stride = header.Width * 3 },
        DecodeTarget.Yuv => header with { Codec = Codec.Raw, PixelFormat = PixelFormat.J420, Stride = header.Width },
        _ => FrameInfo.ForTensor(Tensor!, header.StreamId, header.Sequence, header.TimestampNs, header.MetadataIsJson),
    };
}
