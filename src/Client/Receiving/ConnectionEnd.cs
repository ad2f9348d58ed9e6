namespace RawFrames.Client;

/// <summary>How a sender's connection ended.</summary>
/// <param name="Code">The error the sender sent, or was sent for its protocol fault; null otherwise.</param>
public sealed record ConnectionEnd(ConnectionEndKind Kind, string Reason, ErrorCode? Code = null)
{
    /// <summary>The sender finished its stream (END) or closed between frames: nothing it sent was lost.</summary>
    public bool IsClean => Kind is ConnectionEndKind.Ended or ConnectionEndKind.Closed or ConnectionEndKind.Stopped;
}

/// <summary>The ways a connection ends.</summary>
public enum ConnectionEndKind
{
    /// <summary>END from the sender, answered: every frame it sent was read.</summary>
    Ended,

    /// <summary>The sender closed the connection between two messages, without END.</summary>
    Closed,

    /// <summary>This side stopped it (it is shutting down, or asked for no more frames).</summary>
    Stopped,

    /// <summary>The sender sent ERROR and closed.</summary>
    PeerError,

    /// <summary>The sender broke the protocol; it was told with ERROR.</summary>
    ProtocolError,

    /// <summary>The connection was lost (reset, or cut inside a message).</summary>
    Lost,
}
