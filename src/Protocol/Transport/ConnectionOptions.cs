using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>What this side announces in its HELLO, and how long it waits for the other side's.</summary>
public sealed record ConnectionOptions
{
    public required PeerRole Role { get; init; }

    /// <summary>The largest message this side accepts (PROTOCOL.md §3.1).</summary>
    public int MaxMessageLength { get; init; } = ProtocolConstants.DefaultMaxMessageLength;

    public Capabilities Capabilities { get; init; }

    /// <summary>Named in HELLO option 1 so the peer can log who connected.</summary>
    public string? Software { get; init; }

    /// <summary>A peer that has not completed the opening within this time is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    internal Hello ToHello() => new(Role, MaxMessageLength, Capabilities, 0, Software);
}
