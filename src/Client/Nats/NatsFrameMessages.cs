using System.Buffers;
using NATS.Client.Core;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client.Nats;

/// <summary>A frame to publish: its header, metadata and payload, written as PROTOCOL.md §6's FRAME body.</summary>
internal readonly record struct OutgoingFrame(FrameHeader Header, ReadOnlyMemory<byte> Metadata, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Bytes of the FRAME body: what NATS's max_payload limits.</summary>
    public long BodyLength => Header.PayloadOffset + (long)Payload.Length;
}

/// <summary>A received NATS message: a frame (in a pooled buffer of its own), an END marker, or a message that is not a frame.</summary>
internal sealed class IncomingFrame : IDisposable
{
    private byte[]? _body;

    public FrameHeader Header { get; private init; }

    public string? Invalid { get; private init; }

    public ReadOnlyMemory<byte> Metadata => _body.AsMemory(FrameHeader.Size, Header.MetadataLength);

    public ReadOnlyMemory<byte> Payload => _body.AsMemory(Header.PayloadOffset, BodyLength - Header.PayloadOffset);

    private int BodyLength { get; init; }

    public static IncomingFrame Parse(in ReadOnlySequence<byte> body)
    {
        if (body.Length < FrameHeader.Size)
        {
            return new IncomingFrame { Invalid = body.IsEmpty ? null : $"a message of {body.Length} bytes is not a FRAME body (PROTOCOL.md §6)" };
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent((int)body.Length);
        body.CopyTo(copy);
        try
        {
            FrameHeader header = FrameHeader.Read(copy, body.Length);
            return new IncomingFrame { _body = copy, Header = header, BodyLength = (int)body.Length };
        }
        catch (ProtocolException e)
        {
            ArrayPool<byte>.Shared.Return(copy);
            return new IncomingFrame { Invalid = e.Message };
        }
    }

    public void Dispose()
    {
        if (_body is { } body)
        {
            _body = null;
            ArrayPool<byte>.Shared.Return(body);
        }
    }
}

/// <summary>PROTOCOL.md §19: frames are FRAME bodies; no JSON, no base64, one copy into NATS's write buffer.</summary>
internal sealed class NatsFrameSerializer : INatsSerialize<OutgoingFrame>, INatsDeserialize<IncomingFrame>
{
    public static readonly NatsFrameSerializer Instance = new();

    public void Serialize(IBufferWriter<byte> bufferWriter, OutgoingFrame value)
    {
        FrameHeader header = value.Header with { MetadataLength = value.Metadata.Length };
        Span<byte> head = bufferWriter.GetSpan(header.PayloadOffset);
        header.WriteTo(head);
        value.Metadata.Span.CopyTo(head[FrameHeader.Size..]);
        head.Slice(FrameHeader.Size + value.Metadata.Length, header.MetadataPadding).Clear();
        bufferWriter.Advance(header.PayloadOffset);
        bufferWriter.Write(value.Payload.Span);
    }

    public IncomingFrame? Deserialize(in ReadOnlySequence<byte> buffer) => IncomingFrame.Parse(buffer);
}

/// <summary>The NATS header names of PROTOCOL.md §19.</summary>
internal static class NatsFrameHeaders
{
    /// <summary>Who published: one random id per publisher, so that consumers keep two publishers of one subject apart.</summary>
    public const string Publisher = "RawFrames-Publisher";

    /// <summary>Present (value "1") on the empty message that ends a publisher's stream on a subject.</summary>
    public const string End = "RawFrames-End";
}
