using System.Text;

namespace RawFrames.Protocol.Wire;

/// <summary>UTF-8 text fields with a byte limit (HELLO's software option, ERROR's reason): cut between characters.</summary>
internal static class Utf8Text
{
    public static int ByteCount(string text, int maxBytes)
    {
        int bytes = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
        }

        return bytes;
    }

    /// <summary>Writes the first <paramref name="byteCount"/> bytes (from <see cref="ByteCount"/>) of the text.</summary>
    public static void Write(string text, Span<byte> destination, int byteCount)
    {
        int written = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (written + rune.Utf8SequenceLength > byteCount)
            {
                break;
            }

            written += rune.EncodeToUtf8(destination[written..]);
        }
    }
}
