using System.Buffers.Binary;
using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol;

/// <summary>The messages besides FRAME and the opening: shared-memory references, END, ERROR, PING/PONG, ACK, RESULT.</summary>
#pragma warning disable CA1001 // see MessageWriter.cs: the semaphore's wait handle is never used
internal sealed partial class MessageWriter
#pragma warning restore CA1001
{
    /// <summary>Announces this connection's shared-memory ring (PROTOCOL.md §15.2).</summary>
    public ValueTask WriteRingAsync(RingAnnouncement ring, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        return WriteSmallAsync(MessageType.Ring, ring.BodySize, ring, static (body, r) => r.WriteTo(body), cancellationToken);
    }

    /// <summary>
    /// Writes a SHARED_FRAME (PROTOCOL.md §15.3): the frame's header and metadata, and where in the ring its payload
    /// already is. Checked like a FRAME with that payload length.
    /// </summary>
    public ValueTask WriteSharedFrameAsync(FrameHeader header, ReadOnlyMemory<byte> metadata, SlotReference slot, CancellationToken cancellationToken = default)
    {
        header = header with { MetadataLength = metadata.Length };
        int bodyLength = MessageParser.SharedFrameHeadSize + metadata.Length;
        try
        {
            Span<byte> check = stackalloc byte[FrameHeader.Size];
            header.WriteTo(check);
            FrameHeader.Read(check, header.PayloadOffset + slot.PayloadLength, ModelInputs);
        }
        catch (ProtocolException e)
        {
            throw new ArgumentException($"frame violates PROTOCOL.md: {e.Message}", nameof(header), e);
        }

        return WriteSmallAsync(MessageType.SharedFrame, bodyLength, (header, metadata, slot), static (body, state) =>
        {
            state.header.WriteTo(body);
            state.slot.WriteTo(body[FrameHeader.Size..]);
            state.metadata.Span.CopyTo(body[MessageParser.SharedFrameHeadSize..]);
        }, cancellationToken);
    }

    /// <summary>Gives a ring slot back to the producer (PROTOCOL.md §15.4), unless END was already written.</summary>
    public ValueTask WriteReleaseAsync(int slot, CancellationToken cancellationToken = default) =>
        WriteSmallAsync(MessageType.Release, SlotReference.ReleaseSize, slot, static (body, s) => SlotReference.WriteRelease(body, s), cancellationToken);

    public ValueTask WriteEndAsync(CancellationToken cancellationToken = default) =>
        WriteSmallAsync(MessageType.End, 0, 0, static (_, _) => { }, cancellationToken);

    public ValueTask WriteErrorAsync(ErrorMessage error, CancellationToken cancellationToken = default) =>
        WriteSmallAsync(MessageType.Error, error.BodySize, error, static (body, e) => e.WriteTo(body), cancellationToken);

    /// <summary>Writes the preamble followed by ERROR: how an acceptor refuses a peer before any HELLO (§2.2).</summary>
    public ValueTask WriteRefusalAsync(ErrorMessage error, CancellationToken cancellationToken = default) =>
        WriteSmallAsync(MessageType.Error, error.BodySize, error, static (body, e) => e.WriteTo(body), cancellationToken, withPreamble: true);

    public ValueTask WritePingAsync(ulong token, CancellationToken cancellationToken = default) =>
        WriteSmallAsync(MessageType.Ping, 8, token, static (body, t) => BinaryPrimitives.WriteUInt64LittleEndian(body, t), cancellationToken);

    public ValueTask WritePongAsync(ulong token, CancellationToken cancellationToken = default) =>
        WriteSmallAsync(MessageType.Pong, 8, token, static (body, t) => BinaryPrimitives.WriteUInt64LittleEndian(body, t), cancellationToken);

    /// <summary>Writes an ACK, unless END was already written (then nothing: PROTOCOL.md §4.2).</summary>
    public ValueTask WriteAckAsync(Ack ack, CancellationToken cancellationToken = default) =>
        WriteSmallAsync(MessageType.Ack, Ack.Size, ack, static (body, a) => a.WriteTo(body), cancellationToken);

    /// <summary>
    /// Writes a RESULT for a frame (PROTOCOL.md §10.2), unless END was already written. The result's memory may be
    /// reused once the returned task ends.
    /// </summary>
    public ValueTask WriteResultAsync(ResultHeader header, ReadOnlyMemory<byte> result, CancellationToken cancellationToken = default)
    {
        if (ResultHeader.Size + result.Length + ProtocolConstants.LengthCoveredHeaderSize > PeerMaxMessageLength)
        {
            throw new ArgumentException($"a RESULT of {result.Length} bytes exceeds the peer's maximum message of {PeerMaxMessageLength}", nameof(result));
        }

        return WriteSmallAsync(MessageType.Result, ResultHeader.Size + result.Length, (header, result), static (body, state) =>
        {
            state.header.WriteTo(body);
            state.result.Span.CopyTo(body[ResultHeader.Size..]);
        }, cancellationToken);
    }
}
