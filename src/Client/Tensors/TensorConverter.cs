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

    /// <summary>Writes the frame's tensor into <paramref name="destination"/> (<see cref="TensorSpec.ByteCount"/> bytes).</summary>
    /// <exception cref="CorruptFrameException">The payload does not decode.</exception>
    /// <exception cref="NotSupportedException">A raw pixel format with no conversion.</exception>
    public Letterbox Convert(ReceivedFrame frame, Span<byte> destination) => Convert(frame.Header, frame.Payload.Span, destination);

    /// <summary>Writes a float32 frame's tensor into <paramref name="destination"/> (<see cref="TensorSpec.ElementCount"/> values).</summary>
    public Letterbox Convert(ReceivedFrame frame, Span<float> destination) =>
        Convert(frame.Header, frame.Payload.Span, System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination));

    /// <summary>Writes a kept frame's tensor into <paramref name="destination"/>.</summary>
    public Letterbox Convert(DetachedFrame frame, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Convert(frame.Header, frame.Payload.Span, destination);
    }

    internal Letterbox Convert(in FrameHeader header, ReadOnlySpan<byte> payload, Span<byte> destination) =>
        _preprocessor.Convert(header, payload, Spec, destination);

    /// <inheritdoc/>
    public void Dispose()
    {
        _preprocessor.Dispose();
        _codecs.Dispose();
    }
}
