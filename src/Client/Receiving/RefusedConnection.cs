namespace RawFrames.Client;

/// <summary>A peer that connected and was not served: it failed its opening, or there were too many connections.</summary>
/// <param name="Remote">The peer's address.</param>
/// <param name="Code">The error it was refused with (and told, where it could read it); null when it was lost during the opening.</param>
/// <param name="Reason">Why, for logs.</param>
public sealed record RefusedConnection(string Remote, ErrorCode? Code, string Reason);
