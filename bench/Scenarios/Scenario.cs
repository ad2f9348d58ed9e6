using RawFrames.Bench.Codecs;
using RawFrames.Bench.Content;
using RawFrames.Bench.Scenarios.Baselines;

namespace RawFrames.Bench.Scenarios;

public enum TransportKind
{
    Tcp,
    Unix,

    /// <summary>A Unix socket carrying only notifications, frames in a shared-memory ring (PROTOCOL.md §15).</summary>
    SharedMemory,
}

/// <summary>What a scenario moves and how: RawFrames with a codec, or one of today's HTTP approaches.</summary>
public abstract record Scenario(ContentKind Content, TransportKind Transport)
{
    public abstract string Format { get; }

    /// <summary>A name for --filter, e.g. <c>Photo1080/tcp/JPEG q80</c>.</summary>
    public string Name => $"{Content}/{TransportName}/{Format}";

    public string TransportName => ScenarioRunner.TransportName(Transport);
}

/// <summary>rawframes-send -> rawframes-recv, the receiver decoding compressed frames to BGR as an application would.</summary>
public sealed record ProtocolScenario(CodecCase Codec, ContentKind Content, TransportKind Transport, bool FastDecode = false)
    : Scenario(Content, Transport)
{
    public override string Format => $"RawFrames {Codec.Label()}{(FastDecode ? ", --fast-decode" : "")}";
}

/// <summary>A baseline redone in C#: the sending role and the receiving role (BaselineRoles), HTTP over TCP.</summary>
public sealed record BaselineScenario(string Label, string SendingRole, string ReceivingRole, ContentKind Content)
    : Scenario(Content, TransportKind.Tcp)
{
    public override string Format => Label;

    public static BaselineScenario HttpPost(ContentKind content) =>
        new("JPEG q80 base64 JSON, HTTP POST", BaselineRoles.PostSender, BaselineRoles.PostReceiver, content);

    public static BaselineScenario Mjpeg(ContentKind content) =>
        new("JPEG q80 MJPEG multipart, HTTP", BaselineRoles.MjpegServer, BaselineRoles.MjpegClient, content);
}
