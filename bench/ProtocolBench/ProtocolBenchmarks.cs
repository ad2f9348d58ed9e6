using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using RawFrames.Client;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;
using RawFrames.Tests.Support;

namespace RawFrames.Bench.ProtocolBench;

/// <summary>
/// The protocol's per-frame work without a socket: header write and parse, whole 1080p FRAME messages parsed from one
/// buffer and from 64 KiB segments (what a socket read loop hands over), and a frame written and read back through a
/// Pipe by the connections' reader. Every row must show 0 B allocated: this is the per-frame path of every sender and receiver.
/// </summary>
[BenchmarkCategory("protocol")]
public class ProtocolBenchmarks
{
    private const int Width = 1920;
    private const int Height = 1080;
    private readonly byte[] _headerBytes = new byte[MessageHeader.Size + FrameHeader.Size];
    private FrameHeader _header;
    private ReadOnlySequence<byte> _whole;
    private ReadOnlySequence<byte> _segmented;
    private Pipe _pipe = null!;
    private MessageWriter _writer = null!;
    private MessageInput _reader = null!;
    private ReadOnlyMemory<byte> _vgaPayload;
    private FrameHeader _vgaHeader;

    [GlobalSetup]
    public void Setup()
    {
        _header = FrameHeader.ForRaw(PixelFormat.Bgr24, Width, Height, 0, streamId: 1, sequence: 42, timestampNs: 1_700_000_000_000_000_000);
        int payload = Width * Height * 3;
        byte[] message = new byte[MessageHeader.Size + FrameHeader.Size + payload];
        MessageHeader.ForBody(MessageType.Frame, FrameHeader.Size + payload).WriteTo(message);
        _header.WriteTo(message.AsSpan(MessageHeader.Size));
        _whole = new ReadOnlySequence<byte>(message);
        _segmented = Segments.Split(message, Enumerable.Range(1, message.Length / 65536).Select(i => i * 65536).ToArray());

        MessageHeader.ForBody(MessageType.Frame, FrameHeader.Size + payload).WriteTo(_headerBytes);
        _header.WriteTo(_headerBytes.AsSpan(MessageHeader.Size));

        // Large enough that a whole frame fits without the writer pausing, since one thread writes and then reads.
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, minimumSegmentSize: 1 << 20,
            useSynchronizationContext: false));
        _writer = new MessageWriter(_pipe.Writer);
        _reader = new MessageInput(new StreamSource(_pipe.Reader.AsStream()));
        _vgaHeader = FrameHeader.ForRaw(PixelFormat.Bgr24, 640, 480, 0, streamId: 1, sequence: 0, timestampNs: 0);
        _vgaPayload = new byte[640 * 480 * 3];
    }

    [Benchmark]
    public void WriteMessageAndFrameHeaders()
    {
        MessageHeader.ForBody(MessageType.Frame, FrameHeader.Size + (Width * Height * 3)).WriteTo(_headerBytes);
        _header.WriteTo(_headerBytes.AsSpan(MessageHeader.Size));
    }

    [Benchmark]
    public ulong ReadAndValidateFrameHeader() =>
        FrameHeader.Read(_headerBytes.AsSpan(MessageHeader.Size), FrameHeader.Size + (Width * Height * 3)).Sequence;

    [Benchmark]
    public long ParseWholeFrameFromOneSegment() => Parse(_whole);

    [Benchmark]
    public long ParseWholeFrameFrom64KiBSegments() => Parse(_segmented);

    [Benchmark]
    public async ValueTask<long> WriteAndReadVgaFrameThroughPipe()
    {
        await _writer.WriteFrameAsync(_vgaHeader, ReadOnlyMemory<byte>.Empty, _vgaPayload);
        Message message = await _reader.ReadAsync();
        return message.Payload.Length;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer.Complete();
        _pipe.Reader.Complete();
    }

    private static long Parse(in ReadOnlySequence<byte> buffer)
    {
        if (!MessageParser.TryReadMessage(buffer, ProtocolConstants.DefaultMaxMessageLength, out Message message, out _))
        {
            throw new InvalidOperationException("the message should be complete");
        }

        return message.Payload.Length;
    }
}
