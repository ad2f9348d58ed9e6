using System.Text;

namespace RawFrames.Client;

/// <summary>
/// What a frame is, whichever way it came: received (<see cref="ReceivedFrame"/>, valid until the loop moves on),
/// detached (<see cref="DetachedFrame"/>, yours until disposed) or read from a recording (<see cref="RecordedFrame"/>,
/// valid until the reader's next read). Each type states its lifetime; the fields are the same, read off
/// <see cref="Info"/> or, for short, straight off the frame (<see cref="FrameFields"/>: <c>frame.Width</c>).
/// Consumers (<see cref="TensorConverter"/>, the OpenCV Mats) take any of them.
/// </summary>
public interface IFrame
{
    /// <summary>What the frame says about itself (PROTOCOL.md §6): codec, geometry, stream, sequence, capture time, flags.</summary>
    FrameInfo Info { get; }

    /// <summary>The pixels or the compressed image, for as long as the frame's type says.</summary>
    ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The sender's metadata (UTF-8 JSON when <see cref="FrameInfo.MetadataIsJson"/>), for as long as the payload.</summary>
    ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>
    /// Decodes (JPEG, YUV-JPEG, PNG, BMP) or converts (raw BGR24, RGB24, BGRA32, GRAY8, J420) the frame into
    /// <paramref name="bgr"/> as packed BGR24, at least <c>Width * Height * 3</c> bytes: no allocation.
    /// </summary>
    /// <exception cref="NotSupportedException">Raw I420 or NV12, or a model input.</exception>
    /// <exception cref="Codecs.CorruptFrameException">The payload does not decode.</exception>
    void DecodeBgr(Span<byte> bgr);

    /// <summary>Registers a view of the frame's memory made by an adapter (an OpenCV Mat): it is ended when the memory is no longer the frame's.</summary>
    internal void TrackView(IDisposable view);
}

/// <summary>A frame's header fields read straight off it: <c>frame.Width</c> is <c>frame.Info.Width</c>.</summary>
public static class FrameFields
{
    extension<TFrame>(TFrame frame)
        where TFrame : IFrame
    {
        /// <summary>The stream it belongs to (producers kept apart by the receiver, PROTOCOL.md §16).</summary>
        public uint StreamId => frame.Info.StreamId;

        /// <summary>The sender's frame counter within the stream.</summary>
        public ulong Sequence => frame.Info.Sequence;

        /// <summary>Capture time, nanoseconds since the Unix epoch on the sender's wall clock.</summary>
        public long TimestampNs => frame.Info.TimestampNs;

        /// <summary>Width in pixels.</summary>
        public int Width => frame.Info.Width;

        /// <summary>Height in pixels.</summary>
        public int Height => frame.Info.Height;

        /// <summary>Raw frames: bytes from one row of the first plane to the next. Compressed: 0.</summary>
        public int Stride => frame.Info.Stride;

        /// <summary>Raw, JPEG, YUV-JPEG, PNG or BMP.</summary>
        public Codec Codec => frame.Info.Codec;

        /// <summary>Raw frames: the payload's layout. Compressed: what it was coded from and decodes to.</summary>
        public PixelFormat PixelFormat => frame.Info.PixelFormat;

        /// <summary>The metadata is UTF-8 JSON.</summary>
        public bool MetadataIsJson => frame.Info.MetadataIsJson;

        /// <summary>The metadata as text (UTF-8), e.g. JSON.</summary>
        public string MetadataText => Encoding.UTF8.GetString(frame.Metadata.Span);
    }
}
