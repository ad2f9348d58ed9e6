using System.Net.Security;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport;

/// <summary>What this side announces in its HELLO, and how long it waits for the other side's.</summary>
internal sealed record ConnectionOptions
{
    public required PeerRole Role { get; init; }

    /// <summary>The largest message this side accepts (PROTOCOL.md §3.1).</summary>
    public int MaxMessageLength { get; init; } = ProtocolConstants.DefaultMaxMessageLength;

    public Capabilities Capabilities { get; init; }

    /// <summary>Named in HELLO option 1 so the peer can log who connected.</summary>
    public string? Software { get; init; }

    /// <summary>A peer that has not completed the opening within this time is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Announced in HELLO (PROTOCOL.md §5): this side closes the connection with ERROR Timeout when nothing has arrived
    /// for this long, which bounds how long a dead peer or a stalled link goes unnoticed. Zero: never. Either side's
    /// timeout makes both ping at a third of the shorter one, so an idle but healthy connection never reaches it.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; }

    /// <summary>
    /// Producer: the token to present in HELLO (option 2). Consumer: the token every producer must present; a missing
    /// or wrong one is refused with ERROR Unauthorized. Compared in constant time. Null: none.
    /// </summary>
    public ReadOnlyMemory<byte>? Token { get; init; }

    /// <summary>TLS on the connecting side (PROTOCOL.md §14), given the host name; null: plain TCP or Unix socket.</summary>
    public Func<string, SslClientAuthenticationOptions>? ClientTls { get; init; }

    /// <summary>TLS on the accepting side, with the certificate; null: plain.</summary>
    public SslServerAuthenticationOptions? ServerTls { get; init; }

    /// <summary>Producer with shared memory (PROTOCOL.md §15): ring slots, i.e. frames the consumer may hold at once.</summary>
    public int SharedMemorySlots { get; init; } = 4;

    /// <summary>
    /// Producer with shared memory: bytes per slot, rounded up to 4 KiB; 0 sizes the slots to the first frame. A
    /// larger frame travels as an ordinary FRAME, so give the largest expected payload for compressed codecs.
    /// </summary>
    public int SharedMemorySlotSize { get; init; }

    /// <summary>Consumer of a relay: how it wants frames delivered (HELLO option 3, PROTOCOL.md §16); null: the relay's default.</summary>
    public Subscription? Subscription { get; init; }

    /// <summary>Producer: its frames were captured earlier (a recording replayed): HELLO option 4, PROTOCOL.md §18.</summary>
    public bool Replay { get; init; }

    internal Hello ToHello() => new(Role, MaxMessageLength, Capabilities, (uint)IdleTimeout.TotalMilliseconds, Software)
    {
        Token = Role == PeerRole.Producer ? Token : null,
        Subscription = Role == PeerRole.Consumer ? Subscription : null,
        Replay = Role == PeerRole.Producer && Replay,
    };
}
