namespace RawFrames.Protocol;

/// <summary>Where a connection's bytes come from: a socket, a TLS stream, or (in tests) any stream.</summary>
internal abstract class ByteSource
{
    /// <summary>
    /// Reads up to <paramref name="destination"/>'s length; 0 when the peer closed. <paramref name="wanted"/> bytes
    /// (at most the destination's length) are known to be coming, e.g. the rest of a large message: a source may let
    /// them queue up before it returns, to take them in fewer, larger reads.
    /// </summary>
    public abstract ValueTask<int> ReadAsync(Memory<byte> destination, int wanted, CancellationToken cancellationToken);
}

/// <summary>Reads from a <see cref="Stream"/>: TLS, or a pipe in tests.</summary>
internal sealed class StreamSource(Stream stream) : ByteSource
{
    public override ValueTask<int> ReadAsync(Memory<byte> destination, int wanted, CancellationToken cancellationToken) =>
        stream.ReadAsync(destination, cancellationToken);
}
