using System.Text.Json;

namespace RawFrames.Conformance;

/// <summary>
/// One golden vector for a consumer (PROTOCOL.md §12): the bytes a producer sends, and what every conformant consumer
/// does with them, read from NAME.json as the document defines it.
/// </summary>
internal sealed record ConsumerVector(
    string Name,
    string Description,
    byte[] Bytes,
    string Outcome,
    uint? ErrorCode,
    string? End,
    int ConsumerMaxMessageLength,
    uint ConsumerCapabilities,
    uint? ProducerCapabilities,
    int IgnoredAfterEnd)
{
    public static IReadOnlyList<ConsumerVector> LoadAll(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"no vectors at {folder}: give --vectors the folder holding NAME.bin and NAME.json (tests/vectors)");
        }

        var vectors = new List<ConsumerVector>();
        foreach (string json in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = document.RootElement;
            JsonElement hello = root.GetProperty("hello");
            vectors.Add(new ConsumerVector(
                root.GetProperty("name").GetString()!,
                root.GetProperty("description").GetString()!,
                File.ReadAllBytes(Path.ChangeExtension(json, ".bin")),
                root.GetProperty("outcome").GetString()!,
                root.TryGetProperty("error", out JsonElement error) ? error.GetProperty("code").GetUInt32() : null,
                root.TryGetProperty("end", out JsonElement end) && end.ValueKind == JsonValueKind.String ? end.GetString() : null,
                root.GetProperty("consumer_max_message_length").GetInt32(),
                root.GetProperty("consumer_capabilities").GetUInt32(),
                hello.ValueKind == JsonValueKind.Null ? null : hello.GetProperty("capabilities").GetUInt32(),
                root.TryGetProperty("ignored_after_end", out JsonElement ignored) ? ignored.GetInt32() : 0));
        }

        return vectors.Count > 0 ? vectors : throw new FileNotFoundException($"no vectors (NAME.json) in {folder}");
    }

    /// <summary>The largest length prefix among the vector's messages (a cut last one included): what a consumer's maximum is compared with.</summary>
    public long LargestLengthPrefix()
    {
        long largest = 0;
        for (long at = 8; at + 4 <= Bytes.Length - IgnoredAfterEnd;)
        {
            uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan((int)at));
            largest = Math.Max(largest, length);
            at += 4L + Math.Max(length, 4u);
        }

        return largest;
    }

    /// <summary>The PING tokens the vector's producer sends before its END (the consumer answers each with PONG).</summary>
    public IEnumerable<ulong> Pings() => WireMessages.Read(Bytes.AsSpan(0, Bytes.Length - IgnoredAfterEnd))
        .Where(message => message.Type == WireMessages.Ping).Select(message => message.Token);
}
