using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;
using RawFrames.Client;
using RawFrames.Protocol.Transport;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;

namespace RawFrames.Tests.Protocol;

/// <summary>
/// PROTOCOL.md §12, the producer's side: the real <see cref="FrameConnection"/> connects over a Unix socket to an
/// acceptor that answers with a vector's bytes, and gives the vector's outcome; what it writes back is checked too
/// (ERROR with the code for a fault it found, none for BadMagic, TruncatedStream or the acceptor's refusal; a PONG for
/// each PING).
/// </summary>
public sealed class ProducerVectorTests
{
    private static readonly string s_folder = Path.Combine(AppContext.BaseDirectory, "vectors", "producer");

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(s_folder, "*.json").Order(StringComparer.Ordinal))
        {
            names.Add(Path.GetFileNameWithoutExtension(file));
        }

        return names;
    }

    [Fact]
    public void Folder_HoldsTheProducerVectors() =>
        Directory.GetFiles(s_folder, "*.bin").Should().HaveCount(Directory.GetFiles(s_folder, "*.json").Length).And.HaveCountGreaterOrEqualTo(16);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task ProducerVector_GivesItsOutcomeAndAnswers(string name)
    {
        byte[] data = await File.ReadAllBytesAsync(Path.Combine(s_folder, name + ".bin"));
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(s_folder, name + ".json")));
        JsonElement vector = json.RootElement;
        var capabilities = (Capabilities)vector.GetProperty("producer_capabilities").GetUInt32();
        string outcome = vector.GetProperty("outcome").GetString()!;

        string path = Path.Combine(Path.GetTempPath(), $"rawframes-vector-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        Task<byte[]> acceptor = AnswerWithAsync(listener, data);

        string scheme = capabilities.HasFlag(Capabilities.SharedMemory) ? "shm" : "unix";
        var options = new ConnectionOptions
        {
            Role = PeerRole.Producer,
            Capabilities = capabilities & ~Capabilities.SharedMemory, // the shm:// scheme asks for it
            MaxMessageLength = vector.GetProperty("producer_max_message_length").GetInt32(),
            Software = "vector-test",
        };
        var messages = new List<string>();
        (string Outcome, ErrorCode? Code) actual;
        try
        {
            await using FrameConnection connection = await FrameConnection.ConnectAsync(FrameEndpoint.Parse($"{scheme}://{path}"), options);
            messages.Add("HELLO");
            actual = ("accept", null);
            while (true)
            {
                Message message = await connection.ReadAsync();
                if (message.IsConnectionClosed)
                {
                    actual = ("accept", null);
                    messages.Add("(closed)");
                    break;
                }

                messages.Add(message.Type.ToString().ToUpperInvariant());
                if (message.Type == MessageType.End)
                {
                    break;
                }
            }
        }
        catch (ProtocolException e)
        {
            actual = (e.SentByPeer ? "refused" : "reject", e.Code);
        }

        byte[] written = await acceptor.WaitAsync(TimeSpan.FromSeconds(30));
        File.Delete(path);

        actual.Outcome.Should().Be(outcome, $"{name}: {vector.GetProperty("description").GetString()}");
        List<string> expectedMessages = [.. vector.GetProperty("messages").EnumerateArray().Select(m => m.GetString()!).Where(m => m != "PING")];
        if (outcome == "accept")
        {
            string end = vector.GetProperty("end").GetString()!;
            messages.Should().Equal([.. expectedMessages, .. end == "closed" ? ["(closed)"] : Array.Empty<string>()]);
        }
        else
        {
            uint code = vector.GetProperty("error").GetProperty("code").GetUInt32();
            actual.Code.Should().Be((ErrorCode)code, name);
            messages.Should().Equal(expectedMessages);
        }

        List<(MessageType Type, byte[] Body)> replies = Messages(written);
        uint[] errors = [.. replies.Where(r => r.Type == MessageType.Error).Select(r => BinaryPrimitives.ReadUInt32LittleEndian(r.Body))];
        if (outcome == "reject" && actual.Code is not (ErrorCode.BadMagic or ErrorCode.TruncatedStream))
        {
            errors.Should().Equal([(uint)actual.Code!], "the producer answers the fault it found with ERROR");
        }
        else
        {
            errors.Should().BeEmpty("no ERROR answers a refusal, a peer that is not RawFrames or a truncated stream");
        }

        int pings = Messages(data.Length >= 8 ? data[8..] : []).Count(m => m.Type == MessageType.Ping);
        replies.Count(r => r.Type == MessageType.Pong).Should().Be(pings, "every PING is answered");
    }

    // The acceptor: reads the producer's preamble and HELLO, sends the vector, half-closes, and returns what the
    // producer wrote after its HELLO until it closed.
    private static async Task<byte[]> AnswerWithAsync(Socket listener, byte[] data)
    {
        using Socket peer = await listener.AcceptAsync();
        var received = new List<byte>();
        var buffer = new byte[64 * 1024];
        int opening = -1;
        while (opening < 0)
        {
            int n = await peer.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                return [];
            }

            received.AddRange(buffer.AsSpan(0, n));
            if (received.Count >= Preamble.Size + 4)
            {
                int helloLength = BinaryPrimitives.ReadInt32LittleEndian(received.ToArray().AsSpan(Preamble.Size));
                opening = received.Count >= Preamble.Size + 4 + helloLength ? Preamble.Size + 4 + helloLength : -1;
            }
        }

        await peer.SendAsync(data, SocketFlags.None);
        peer.Shutdown(SocketShutdown.Send);
        try
        {
            while (await peer.ReceiveAsync(buffer, SocketFlags.None) is > 0 and var n)
            {
                received.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException)
        {
            // Reset by a producer that closed with unread bytes: what it wrote before is in already.
        }

        return [.. received.Skip(opening)];
    }

    private static List<(MessageType Type, byte[] Body)> Messages(byte[] stream)
    {
        var messages = new List<(MessageType, byte[])>();
        for (int at = 0; at + 8 <= stream.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(at));
            if (length < 4 || at + 4 + length > stream.Length)
            {
                break;
            }

            messages.Add(((MessageType)stream[at + 4], stream[(at + 8)..(at + 4 + length)]));
            at += 4 + length;
        }

        return messages;
    }
}
