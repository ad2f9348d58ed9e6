using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;
using RawFrames.Tests.Support;
using ReceivedFrame = RawFrames.Tests.Support.ReceivedFrame;

namespace RawFrames.Tests.Protocol;

/// <summary>
/// PROTOCOL.md §12: every file in tests/vectors gives its stated outcome, whole, split at every offset, and through
/// the PipeReader loop; and our writer reproduces every accepted vector byte for byte.
/// </summary>
public sealed class GoldenVectorTests
{
    private static readonly string s_folder = Path.Combine(AppContext.BaseDirectory, "vectors");

    public static TheoryData<string> Names() => Select(_ => true);

    /// <summary>The vectors a producer writes: every accepted one but those whose bytes no writer of ours produces (a HELLO with unknown or repeated options, a PONG nobody asked for).</summary>
    public static TheoryData<string> AcceptedNames() => Select(vector => vector.GetProperty("outcome").GetString() == "accept"
        && !(vector.TryGetProperty("writer_reproduces", out JsonElement reproduces) && reproduces.ValueKind == JsonValueKind.False));

    private static TheoryData<string> Select(Func<JsonElement, bool> wanted)
    {
        var names = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(s_folder, "*.json").Order(StringComparer.Ordinal))
        {
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(file));
            if (wanted(json.RootElement))
            {
                names.Add(Path.GetFileNameWithoutExtension(file));
            }
        }

        return names;
    }

    [Fact]
    public void Folder_HoldsEveryVectorTheIssueNames()
    {
        string[] required =
        [
            "minimal-raw-frame", "stride-padding", "metadata-json", "length-at-limit", "length-over-limit", "truncated-header",
            "truncated-payload", "bad-magic", "unknown-version", "reserved-flag-bit", "end-of-stream",
        ];
        Directory.GetFiles(s_folder, "*.json").Select(Path.GetFileNameWithoutExtension).Should().Contain(required);
        Directory.GetFiles(s_folder, "*.bin").Should().HaveSameCount(Directory.GetFiles(s_folder, "*.json"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Vector_Whole_GivesExpectedOutcome(string name)
    {
        (byte[] data, Expected expected) = Load(name);
        ConsumerOutcome outcome = VectorConsumer.Parse(Segments.Split(data), expected.Limit, expected.ConsumerCapabilities);
        AssertMatches(outcome, expected);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Vector_SplitAtEveryOffset_GivesTheSameOutcome(string name)
    {
        (byte[] data, Expected expected) = Load(name);
        for (int cut = 1; cut < data.Length; cut++)
        {
            ConsumerOutcome outcome = VectorConsumer.Parse(Segments.Split(data, cut), expected.Limit, expected.ConsumerCapabilities);
            AssertMatches(outcome, expected, $"split at {cut}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Vector_SplitIntoThreeAtEveryPairOfOffsets_GivesTheSameOutcome(string name)
    {
        (byte[] data, Expected expected) = Load(name);
        int limit = Math.Min(data.Length, 160); // all pairs within headers; payload bytes are covered by the test above
        for (int a = 1; a < limit; a++)
        {
            for (int b = a + 1; b < limit; b++)
            {
                AssertMatches(VectorConsumer.Parse(Segments.Split(data, a, b), expected.Limit, expected.ConsumerCapabilities), expected, $"split at {a} and {b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Vector_ThroughPipeOneByteAtATime_GivesTheSameOutcome(string name)
    {
        (byte[] data, Expected expected) = Load(name);
        AssertMatches(await VectorConsumer.ReadThroughPipeAsync(data, expected.Limit, expected.ConsumerCapabilities, chunk: 1), expected, "1-byte writes");
        AssertMatches(await VectorConsumer.ReadThroughPipeAsync(data, expected.Limit, expected.ConsumerCapabilities, chunk: 7), expected, "7-byte writes");
    }

    [Theory]
    [MemberData(nameof(AcceptedNames))]
    public async Task AcceptedVector_IsWhatOurWriterWrites(string name)
    {
        (byte[] data, Expected expected) = Load(name);
        var pipe = new Pipe();
        var writer = new MessageWriter(pipe.Writer);
        var capabilities = (Capabilities)expected.Hello!.Value.GetProperty("capabilities").GetUInt32();
        writer.ModelInputs = (capabilities & expected.ConsumerCapabilities).HasFlag(Capabilities.ModelInputs);
        var hello = new Hello(PeerRole.Producer, expected.Hello!.Value.GetProperty("max_message_length").GetInt32(), capabilities, 0,
            expected.Hello.Value.GetProperty("software").GetString())
        {
            Token = expected.Hello.Value.TryGetProperty("token_hex", out JsonElement token) ? Convert.FromHexString(token.GetString()!) : (ReadOnlyMemory<byte>?)null,
            Subscription = expected.Hello.Value.TryGetProperty("subscription_hex", out JsonElement subscription)
                ? Subscription.Read(Convert.FromHexString(subscription.GetString()!))
                : null,
            Replay = expected.Hello.Value.TryGetProperty("replay", out JsonElement replay) && replay.GetBoolean(),
        };
        await writer.WriteOpeningAsync(hello);
        int frameIndex = 0;
        foreach (string type in expected.Messages.Skip(1))
        {
            switch (type)
            {
                case "FRAME":
                    JsonElement f = expected.Frames[frameIndex++];
                    var header = new FrameHeader((Codec)f.GetProperty("codec").GetInt32(), (PixelFormat)f.GetProperty("pixel_format").GetInt32(),
                        (FrameFlags)f.GetProperty("flags").GetInt32(), f.GetProperty("stream_id").GetUInt32(), f.GetProperty("width").GetInt32(),
                        f.GetProperty("height").GetInt32(), f.GetProperty("stride").GetInt32(), 0, f.GetProperty("sequence").GetUInt64(),
                        f.GetProperty("timestamp_ns").GetInt64());
                    await writer.WriteFrameAsync(header, Convert.FromHexString(f.GetProperty("metadata_hex").GetString()!),
                        Convert.FromHexString(f.GetProperty("payload_hex").GetString()!));
                    break;
                case "PING":
                    await writer.WritePingAsync(42);
                    break;
                case "END":
                    await writer.WriteEndAsync();
                    break;
                default:
                    throw new InvalidOperationException($"vector {name} lists {type}, which this test cannot write");
            }
        }

        writer.Complete();
        byte[] written = (await pipe.Reader.ReadAsync()).Buffer.ToArray();
        // Bytes after END (a vector that shows they are never read) are not the producer's stream.
        written.Should().Equal(data[..^expected.IgnoredAfterEnd], "our writer must produce the vector's bytes exactly");
    }

    private static void AssertMatches(ConsumerOutcome outcome, Expected expected, string context = "whole")
    {
        switch (expected.Outcome)
        {
            case "accept":
                outcome.Error.Should().BeNull($"{expected.Name} ({context}) must be accepted, but: {outcome.ErrorMessage}");
                outcome.End.Should().Be(expected.End, $"{expected.Name} ({context})");
                break;
            case "probe":
                // No byte came: the protocol never began, which is not an error.
                outcome.Error.Should().BeNull($"{expected.Name} ({context})");
                outcome.Preamble.Should().BeNull();
                break;
            default:
                outcome.Error.Should().Be((ErrorCode)expected.ErrorCode, $"{expected.Name} ({context}): {outcome.ErrorMessage}");
                outcome.Refused.Should().Be(expected.Outcome == "refused", $"{expected.Name} ({context}): the peer's ERROR is reported, ours is a rejection");
                break;
        }

        outcome.Messages.Should().Equal(expected.Messages, $"{expected.Name} ({context})");
        if (expected.Hello is { } hello)
        {
            outcome.Hello.Should().NotBeNull();
            outcome.Hello!.Role.Should().Be((PeerRole)hello.GetProperty("role").GetInt32());
            outcome.Hello.MaxMessageLength.Should().Be(hello.GetProperty("max_message_length").GetInt32());
            outcome.Hello.Software.Should().Be(hello.GetProperty("software").GetString());
            outcome.Hello.Replay.Should().Be(hello.TryGetProperty("replay", out JsonElement replay) && replay.GetBoolean());
            (outcome.Hello.Token?.ToArray() ?? []).Should().Equal(hello.TryGetProperty("token_hex", out JsonElement token) ? Convert.FromHexString(token.GetString()!) : []);
        }

        outcome.Frames.Should().HaveCount(expected.Frames.Count, $"{expected.Name} ({context})");
        for (int i = 0; i < expected.Frames.Count; i++)
        {
            JsonElement f = expected.Frames[i];
            ReceivedFrame actual = outcome.Frames[i];
            actual.Header.Codec.Should().Be((Codec)f.GetProperty("codec").GetInt32());
            actual.Header.PixelFormat.Should().Be((PixelFormat)f.GetProperty("pixel_format").GetInt32());
            actual.Header.Flags.Should().Be((FrameFlags)f.GetProperty("flags").GetInt32());
            actual.Header.StreamId.Should().Be(f.GetProperty("stream_id").GetUInt32());
            actual.Header.Width.Should().Be(f.GetProperty("width").GetInt32());
            actual.Header.Height.Should().Be(f.GetProperty("height").GetInt32());
            actual.Header.Stride.Should().Be(f.GetProperty("stride").GetInt32());
            actual.Header.Sequence.Should().Be(f.GetProperty("sequence").GetUInt64());
            actual.Header.Sequence.Should().Be(ulong.Parse(f.GetProperty("sequence_text").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            actual.Header.TimestampNs.Should().Be(f.GetProperty("timestamp_ns").GetInt64());
            actual.Header.TimestampNs.Should().Be(long.Parse(f.GetProperty("timestamp_ns_text").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            actual.Metadata.Should().Equal(Convert.FromHexString(f.GetProperty("metadata_hex").GetString()!));
            actual.Payload.Should().Equal(Convert.FromHexString(f.GetProperty("payload_hex").GetString()!));
        }
    }

    private static (byte[] Data, Expected Expected) Load(string name)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(s_folder, name + ".bin"));
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_folder, name + ".json")));
        JsonElement root = json.RootElement.Clone();
        return (data, new Expected(
            name,
            root.GetProperty("outcome").GetString()!,
            root.GetProperty("consumer_max_message_length").GetInt32(),
            (Capabilities)root.GetProperty("consumer_capabilities").GetUInt32(),
            root.GetProperty("hello").ValueKind == JsonValueKind.Null ? null : root.GetProperty("hello"),
            root.GetProperty("messages").EnumerateArray().Select(m => m.GetString()!).ToList(),
            root.GetProperty("frames").EnumerateArray().ToList(),
            root.TryGetProperty("end", out JsonElement end) ? end.GetString() : null,
            root.TryGetProperty("error", out JsonElement error) ? error.GetProperty("code").GetUInt32() : 0,
            root.TryGetProperty("ignored_after_end", out JsonElement ignored) ? ignored.GetInt32() : 0));
    }

    private sealed record Expected(string Name, string Outcome, int Limit, Capabilities ConsumerCapabilities, JsonElement? Hello, IReadOnlyList<string> Messages,
        IReadOnlyList<JsonElement> Frames, string? End, uint ErrorCode, int IgnoredAfterEnd);
}
