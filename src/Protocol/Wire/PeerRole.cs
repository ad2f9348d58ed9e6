namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §5: which way frames flow. Roles are declared in HELLO, whoever opened the connection.</summary>
internal enum PeerRole : byte
{
    /// <summary>Never valid on the wire.</summary>
    Unspecified = 0,
    /// <summary>Sends FRAME messages; may receive ACK and RESULT.</summary>
    Producer = 1,
    /// <summary>Receives FRAME messages; may send ACK and RESULT.</summary>
    Consumer = 2,
}
