using RawFrames.Codecs;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// Turns received frames into the tensor a model takes (<see cref="TensorSpec"/>): a JPEG decoded at the smallest
/// scale that covers the model's size, fitted, laid out and converted in one pass into the caller's memory; raw
/// frames take the same path without the decode. Its buffers are reused, so converting allocates nothing. One thread
/// at a time; use one converter per worker.
/// </summary>
public sealed class TensorConverter : IDisposable
{
    private readonly CodecPool _codecs = new();
    private readonly TensorPreprocessor _preprocessor;

    /// <param name="spec">What the model takes.</param>
    /// <exception cref="ArgumentException">The spec is inconsistent (e.g. mean and std for uint8).</exception>
    /// <exception cref="CodecUnavailableException">libturbojpeg or libyuv is missing.</exception>
    public TensorConverter(TensorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        Spec = spec;
        _preprocessor = new TensorPreprocessor(_codecs);
    }

    /// <summary>What the converter produces.</summary>
    public TensorSpec Spec { get; }

    /// <summary>
    /// Writes the tensor of <paramref name="frame"/> (received, detached or recorded) into <paramref name="destination"/>
    /// (<see cref="TensorSpec.ByteCount"/> bytes) and returns where the image landed in it.
    /// </summary>
    /// <exception cref="CorruptFrameException">The payload does not decode.</exception>
    /// <exception cref="NotSupportedException">A raw pixel format with no conversion.</exception>
    public Letterbox Convert<TFrame>(TFrame frame, Span<byte> destination)
        where TFrame : IFrame
    {
        if (frame is null)
        {
            throw new ArgumentNullException(nameof(frame));
        }

        FrameInfo info = frame.Info;
        return _preprocessor.Convert(info.Codec, info.PixelFormat, info.Width, info.Height, info.Stride, frame.Payload.Span, Spec, destination);
    }

    /// <summary>Writes a float32 tensor of <paramref name="frame"/> into <paramref name="destination"/> (<see cref="TensorSpec.ElementCount"/> values).</summary>
    /// <inheritdoc cref="Convert{TFrame}(TFrame, Span{byte})" path="/exception"/>
    public Letterbox Convert<TFrame>(TFrame frame, Span<float> destination)
        where TFrame : IFrame =>
        Convert(frame, System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination));

    internal Letterbox Convert(in FrameHeader header, ReadOnlySpan<byte> payload, Span<byte> destination) =>
        _preprocessor.Convert(header, payload, Spec, destination);

    /// <inheritdoc/>
    public void Dispose()
    {
        _preprocessor.Dispose();
        _codecs.Dispose();
    }
}
