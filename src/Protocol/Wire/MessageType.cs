namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §4: the type byte of a message.</summary>
internal enum MessageType : byte
{
    /// <summary>Not on the wire: the connection ended on a message boundary.</summary>
    None = 0x00,
    Hello = 0x01,
    Frame = 0x02,
    End = 0x03,
    Error = 0x04,
    Ping = 0x05,
    Pong = 0x06,

    /// <summary>Producer → consumer: the shared-memory ring of this connection (PROTOCOL.md §15.2).</summary>
    Ring = 0x07,

    /// <summary>Producer → consumer: a frame whose payload is in a ring slot (PROTOCOL.md §15.3).</summary>
    SharedFrame = 0x08,
    Ack = 0x10,
    Result = 0x11,

    /// <summary>Consumer → producer: the consumer is done with a ring slot (PROTOCOL.md §15.4).</summary>
    Release = 0x12,
}
