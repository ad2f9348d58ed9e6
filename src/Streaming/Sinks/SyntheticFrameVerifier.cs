using System.Buffers;
using RawFrames.Protocol;
using RawFrames.Protocol.Wire;
using RawFrames.Streaming.Sources;

namespace RawFrames.Streaming.Sinks;

/// <summary>
/// Checks a received frame against the synthetic pattern regenerated from its sequence number: every byte of every
/// row (row padding included), straight from the receive buffer without copying.
/// </summary>
public static class SyntheticFrameVerifier
{
    /// <summary>Null when the frame is the expected one; otherwise why not.</summary>
    public static string? Check(in Message message)
    {
        FrameHeader header = message.Frame;
        if (header.Codec != Codec.Raw || header.PixelFormat != PixelFormat.Bgr24)
        {
            return $"frame {header.Sequence}: {header.Codec}/{header.PixelFormat} cannot be compared byte for byte with the synthetic BGR24 pattern";
        }

        ReadOnlySpan<byte> expected = SyntheticPattern.For(header.Width, header.Height, header.Stride).Frame(header.Sequence).Span;
        long offset = 0;
        foreach (ReadOnlyMemory<byte> segment in message.Payload)
        {
            ReadOnlySpan<byte> actual = segment.Span;
            ReadOnlySpan<byte> wanted = expected.Slice((int)offset, actual.Length);
            if (!actual.SequenceEqual(wanted))
            {
                long at = offset + actual.CommonPrefixLength(wanted);
                long row = at / header.Stride;
                return $"frame {header.Sequence}: byte {at} (row {row}, column byte {at - (row * header.Stride)}) is {actual[(int)(at - offset)]}, expected {expected[(int)at]}";
            }

            offset += actual.Length;
        }

        return null;
    }
}
