using RawFrames.Client;
using RawFrames.Programs.Sources;

namespace RawFrames.Programs.Verification;

/// <summary>
/// Checks a received frame against the synthetic pattern regenerated from its sequence number: every byte of every
/// row (row padding included), straight from the receive buffer without copying.
/// </summary>
public static class SyntheticFrameVerifier
{
    /// <summary>Null when the frame is the expected one; otherwise why not.</summary>
    public static string? Check(FrameInfo header, ReadOnlySpan<byte> actual)
    {
        if (header.Codec != Codec.Raw || header.PixelFormat != PixelFormat.Bgr24)
        {
            return $"frame {header.Sequence}: {header.Codec}/{header.PixelFormat} cannot be compared byte for byte with the synthetic BGR24 pattern";
        }

        ReadOnlySpan<byte> expected = SyntheticPattern.For(header.Width, header.Height, header.Stride).Frame(header.Sequence).Span;
        if (actual.SequenceEqual(expected))
        {
            return null;
        }

        int at = actual.CommonPrefixLength(expected);
        if (at == actual.Length || at == expected.Length)
        {
            return $"frame {header.Sequence}: {actual.Length} bytes, expected {expected.Length}";
        }

        int row = at / header.Stride;
        return $"frame {header.Sequence}: byte {at} (row {row}, column byte {at - (row * header.Stride)}) is {actual[at]}, expected {expected[at]}";
    }
}
