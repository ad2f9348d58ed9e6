using System.Buffers.Binary;
using System.Net.Sockets;

namespace RawFrames.Conformance;

/// <summary>What a peer under test sends, read as it arrives: its preamble, then whole messages (PROTOCOL.md §2-§3).</summary>
internal sealed class Inbox(Socket socket) : IDisposable
{
    private readonly MemoryStream _bytes = new();
    private int _read;
    private bool _closed;

    /// <summary>All bytes that came so far.</summary>
    public int Received => (int)_bytes.Length;

    /// <summary>The 8-byte preamble, or null when the peer closed first.</summary>
    public async Task<byte[]?> PreambleAsync(CancellationToken cancellationToken) =>
        await FillAsync(8, cancellationToken) ? Take(8) : null;

    /// <summary>The next whole message, or null when the peer closed (between messages or inside one).</summary>
    public async Task<WireMessages.WireMessage?> NextAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(8, cancellationToken))
        {
            return null;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.GetBuffer().AsSpan(_read));
        if (length < 4 || length > 64 * 1024 * 1024 || !await FillAsync(4 + (int)length, cancellationToken))
        {
            return null;
        }

        byte[] message = Take(4 + (int)length);
        return new WireMessages.WireMessage(message[4], message[8..]);
    }

    private async Task<bool> FillAsync(int wanted, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        while (_bytes.Length - _read < wanted && !_closed)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (SocketException)
            {
                n = 0; // reset: what came is all there is
            }

            if (n == 0)
            {
                _closed = true;
                break;
            }

            _bytes.Write(buffer, 0, n);
        }

        return _bytes.Length - _read >= wanted;
    }

    public void Dispose() => _bytes.Dispose();

    private byte[] Take(int count)
    {
        byte[] taken = _bytes.GetBuffer().AsSpan(_read, count).ToArray();
        _read += count;
        return taken;
    }
}
