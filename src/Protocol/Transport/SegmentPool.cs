using System.Buffers;

namespace RawFrames.Protocol.Transport;

/// <summary>
/// Fixed-size receive blocks for the socket PipeReaders, kept for reuse. Measured: with ArrayPool.Shared, a receiver
/// taking 1080p frames still allocated a fresh 1 MiB array every few hundred frames (its per-core caches miss when
/// a block is rented on one thread and returned on another); this pool keeps every block it has handed out, up to a
/// cap, so the steady state allocates nothing.
/// </summary>
internal sealed class SegmentPool : MemoryPool<byte>
{
    private readonly Stack<Block> _free = new();
    private readonly int _maxRetained;
    private int _created;
    private int _reserved;

    public SegmentPool(int blockSize, int maxRetained)
    {
        MaxBufferSize = blockSize;
        _maxRetained = maxRetained;
    }

    /// <summary>Shared by every connection: 1 MiB blocks, at most 1 GiB kept idle.</summary>
    public static new SegmentPool Shared { get; } = new(SocketTuning.ReadBufferSize, maxRetained: 1024);

    public override int MaxBufferSize { get; }

    /// <summary>
    /// Adds <paramref name="blocks"/> to the number of blocks the pool keeps ready and creates any that are missing,
    /// so that a connection's worst-case block count is allocated up front instead of one block at a time, minutes
    /// into a stream, whenever an unlucky read pattern needs one more block than ever before.
    /// </summary>
    public void Reserve(int blocks)
    {
        lock (_free)
        {
            _reserved = Math.Min(_reserved + blocks, _maxRetained);
            while (_created < _reserved)
            {
                _free.Push(new Block(this, GC.AllocateUninitializedArray<byte>(MaxBufferSize)) { Rented = false });
                _created++;
            }
        }
    }

    /// <summary>Gives back a reservation; the blocks stay pooled (up to the cap) for the next connection.</summary>
    public void Release(int blocks)
    {
        lock (_free)
        {
            _reserved = Math.Max(0, _reserved - blocks);
        }
    }

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > MaxBufferSize)
        {
            return new Block(null, new byte[minBufferSize]);
        }

        lock (_free)
        {
            if (_free.TryPop(out Block? block))
            {
                block.Rented = true;
                return block;
            }
        }

        lock (_free)
        {
            _created++;
        }

        return new Block(this, GC.AllocateUninitializedArray<byte>(MaxBufferSize));
    }

    protected override void Dispose(bool disposing)
    {
        // Shared for the life of the process; blocks are plain arrays the GC reclaims.
    }

    private void Return(Block block)
    {
        lock (_free)
        {
            if (_free.Count < _maxRetained)
            {
                _free.Push(block);
            }
            else
            {
                _created--;
            }
        }
    }

    private sealed class Block(SegmentPool? owner, byte[] array) : IMemoryOwner<byte>
    {
        public bool Rented { get; set; } = true;

        public Memory<byte> Memory => array;

        public void Dispose()
        {
            if (!Rented)
            {
                return;
            }

            Rented = false;
            owner?.Return(this);
        }
    }
}
