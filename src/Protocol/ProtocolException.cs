using System.Diagnostics.CodeAnalysis;

namespace RawFrames.Client;

/// <summary>
/// A peer broke PROTOCOL.md. The connection it happened on cannot continue; other connections are unaffected.
/// </summary>
public sealed class ProtocolException : Exception
{
    /// <summary>A fault with its PROTOCOL.md §9 code and what happened, in words.</summary>
    public ProtocolException(ErrorCode code, string message) : base(message) => Code = code;

    /// <summary>A fault with its code, what happened, and the exception that revealed it.</summary>
    public ProtocolException(ErrorCode code, string message, Exception inner) : base(message, inner) => Code = code;

    /// <summary>A malformed message, without details.</summary>
    public ProtocolException() : this(ErrorCode.MalformedMessage, "protocol violation") { }

    /// <summary>A malformed message, with what was wrong.</summary>
    public ProtocolException(string message) : this(ErrorCode.MalformedMessage, message) { }

    /// <summary>A malformed message, with what was wrong and the exception that revealed it.</summary>
    public ProtocolException(string message, Exception inner) : this(ErrorCode.MalformedMessage, message, inner) { }

    /// <summary>The PROTOCOL.md §9 code, as sent in the ERROR message that closes the connection.</summary>
    public ErrorCode Code { get; }

    /// <summary>The peer sent this code in an ERROR (its refusal or its reason for closing); false when this side found the fault.</summary>
    public bool SentByPeer { get; init; }

    /// <summary>
    /// For <see cref="ErrorCode.TruncatedStream"/> at an acceptor: the peer connected and closed without sending a
    /// byte, as TCP health checks and port scans do. Not a protocol error; count it apart.
    /// </summary>
    public bool PeerSentNothing { get; init; }

    /// <summary>For <see cref="ErrorCode.BadMagic"/>: the first bytes were an HTTP request.</summary>
    public bool PeerSpokeHttp { get; init; }

    // Throw helpers keep the hot parse paths small enough to inline.
    [DoesNotReturn]
    internal static void Throw(ErrorCode code, string message) => throw new ProtocolException(code, message);
}
