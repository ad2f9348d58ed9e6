using System.Buffers.Binary;

namespace RawFrames.Tests.Receiver;

/// <summary>How a torture input reaches the receiver.</summary>
internal enum Delivery
{
    /// <summary>All at once, then the write side is closed.</summary>
    Whole,

    /// <summary>In small random pieces.</summary>
    Pieces,

    /// <summary>One byte at a time with a pause between them.</summary>
    Trickle,
}

/// <summary>One generated input: its bytes, how it is delivered, and the kind of damage, for the report.</summary>
internal sealed record TortureInput(string Kind, byte[] Bytes, Delivery Delivery);

/// <summary>
/// Deterministic bad input for a consumer, built from the golden vectors: random mutations, truncations at every
/// offset, every boundary length, reserved bits, wrong magic and versions, splices, garbage, delivered whole, in
/// pieces or one byte at a time. The same seed gives the same inputs.
/// </summary>
internal static class TortureInputs
{
    private const int MaxMessageBytes = 1 << 20; // what the receiver under test is started with

    public static IEnumerable<TortureInput> Generate(int seed, int count)
    {
        var random = new Random(seed);
        byte[][] vectors = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "vectors"), "*.bin").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)
            .Where(bytes => bytes.Length >= 8) // something to mutate: the empty stream (a probe) has nothing
            .ToArray();
        byte[] opening = vectors.First(v => v.Length > 40)[..Opening(vectors)];
        int produced = 0;

        // Systematic first: every truncation of a few whole streams, every boundary length, every preamble variant.
        foreach (byte[] vector in vectors.Where(v => v.Length is > 60 and < 400).Take(3))
        {
            for (int cut = 0; cut < vector.Length && produced < count; cut++, produced++)
            {
                yield return new TortureInput("truncated", vector[..cut], Delivery.Whole);
            }
        }

        uint[] lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 43, 44, 45, 47, 48, 49, MaxMessageBytes - 1, MaxMessageBytes, MaxMessageBytes + 1, 1u << 31, uint.MaxValue];
        foreach (uint length in lengths)
        {
            foreach (byte type in (byte[])[1, 2, 3, 4, 5, 6, 0x10, 0x11, 0x7F, 0xFF])
            {
                if (produced++ < count)
                {
                    yield return new TortureInput("boundary-length", [.. opening, .. Header(length, type), .. RandomBytes(random, random.Next(0, 64))], Delivery.Whole);
                }
            }
        }

        foreach (ushort version in (ushort[])[0, 2, 3, 255, 0xFFFF])
        {
            if (produced++ < count)
            {
                yield return new TortureInput("version", [.. "RFRM"u8, (byte)version, (byte)(version >> 8), 0, 0, .. opening[8..]], Delivery.Whole);
            }
        }

        while (produced++ < count)
        {
            int dice = random.Next(100);
            byte[] vector = vectors[random.Next(vectors.Length)];
            Delivery delivery = dice % 20 == 0 ? Delivery.Pieces : Delivery.Whole;
            yield return dice switch
            {
                < 45 => new TortureInput("mutated", Mutate(random, vector), delivery),
                < 60 => new TortureInput("truncated", vector[..random.Next(vector.Length)], delivery),
                < 70 => new TortureInput("reserved-bits", SetReserved(random, vector), delivery),
                < 78 => new TortureInput("spliced", Splice(random, vector, vectors[random.Next(vectors.Length)]), delivery),
                < 86 => new TortureInput("magic", [.. RandomBytes(random, 4), .. vector[4..]], delivery),
                < 94 => new TortureInput("garbage", RandomBytes(random, random.Next(1, 4096)), delivery),
                < 99 => new TortureInput("boundary-length", [.. opening, .. Header(lengths[random.Next(lengths.Length)], (byte)random.Next(256)), .. RandomBytes(random, random.Next(0, 256))], delivery),
                _ => new TortureInput("trickle", vector[..Math.Min(vector.Length, 120)], Delivery.Trickle),
            };
        }
    }

    // The preamble and HELLO of the vectors (all share make_vectors.py's opening).
    private static int Opening(byte[][] vectors)
    {
        byte[] any = vectors.First(v => v.Length > 40 && v.AsSpan(0, 4).SequenceEqual("RFRM"u8));
        return 8 + 4 + (int)BinaryPrimitives.ReadUInt32LittleEndian(any.AsSpan(8));
    }

    // The head of one stream and the tail of another: a message boundary where none was, lengths that lie.
    private static byte[] Splice(Random random, byte[] head, byte[] tail) =>
        [.. head[..random.Next(head.Length)], .. tail[random.Next(Math.Min(8, tail.Length), tail.Length)..]];

    private static byte[] Header(uint length, byte type) => [(byte)length, (byte)(length >> 8), (byte)(length >> 16), (byte)(length >> 24), type, 0, 0, 0];

    private static byte[] Mutate(Random random, byte[] vector)
    {
        byte[] copy = [.. vector];
        for (int flips = random.Next(1, 5); flips > 0 && copy.Length > 0; flips--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }

    // A reserved byte of a message header or a high flag bit, somewhere after the opening.
    private static byte[] SetReserved(Random random, byte[] vector)
    {
        byte[] copy = [.. vector];
        if (copy.Length > 24)
        {
            copy[random.Next(20, copy.Length)] |= (byte)(0x80 >> random.Next(8));
        }

        return copy;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
