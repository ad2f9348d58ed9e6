using System.Text.Json;

namespace RawFrames.Conformance;

/// <summary>
/// One producer vector (PROTOCOL.md §12, tests/vectors/producer): the bytes an acceptor sends to a producer that
/// connected, and how every conformant producer takes them.
/// </summary>
internal sealed record ProducerVector(string Name, byte[] Bytes, string Outcome, uint? ErrorCode, uint ProducerCapabilities, int ProducerMaxMessageLength)
{
    public static IReadOnlyList<ProducerVector> LoadAll(string folder)
    {
        var vectors = new List<ProducerVector>();
        foreach (string json in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = document.RootElement;
            vectors.Add(new ProducerVector(
                root.GetProperty("name").GetString()!,
                File.ReadAllBytes(Path.ChangeExtension(json, ".bin")),
                root.GetProperty("outcome").GetString()!,
                root.TryGetProperty("error", out JsonElement error) ? error.GetProperty("code").GetUInt32() : null,
                root.GetProperty("producer_capabilities").GetUInt32(),
                root.GetProperty("producer_max_message_length").GetInt32()));
        }

        return vectors;
    }

    /// <summary>The capabilities in the vector's consumer HELLO, when it carries one.</summary>
    public uint? ConsumerCapabilities => Bytes.AsSpan().StartsWith(WireMessages.Preamble) && WireMessages.Read(Bytes) is [{ Type: WireMessages.Hello } hello, ..]
        ? WireMessages.ReadHello(hello.Body).Capabilities
        : null;

    /// <summary>The PING tokens the vector's consumer sends.</summary>
    public IEnumerable<ulong> Pings() => Bytes.AsSpan().StartsWith(WireMessages.Preamble)
        ? WireMessages.Read(Bytes).Where(message => message.Type == WireMessages.Ping).Select(message => message.Token)
        : [];
}
