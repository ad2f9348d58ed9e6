namespace RawFrames.Conformance;

/// <summary>PROTOCOL.md Appendix A: frame N of a BGR24 stream is S * H bytes of an endless tape of 24-bit colours.</summary>
internal static class SyntheticPattern
{
    /// <summary>Whether a raw BGR24 payload is frame <paramref name="sequence"/> of the pattern (rows of <paramref name="stride"/> bytes, padding included).</summary>
    public static bool Matches(ReadOnlySpan<byte> payload, ulong sequence)
    {
        long start = 3 * (long)(sequence * 7919 % (1UL << 20));
        for (int k = 0; k < payload.Length; k++)
        {
            long tape = start + k;
            long pixel = tape / 3;
            if (payload[k] != (byte)((pixel % (1 << 24)) >> (int)(8 * (tape % 3))))
            {
                return false;
            }
        }

        return true;
    }
}
