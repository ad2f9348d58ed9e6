namespace RawFrames.Protocol.Transport.SharedMemory;

/// <summary>
/// The producer's view of which slots the consumer holds: a slot is rented for a frame and comes back when the
/// consumer's RELEASE arrives. The most recently released slot is reused first, so a fast consumer keeps the working
/// set to two slots that stay in cache. <see cref="Fail"/> wakes every waiter when the connection is gone.
/// </summary>
internal sealed class FreeSlots : IDisposable
{
    private readonly Stack<int> _free = new();
    private readonly bool[] _held;
    private readonly SemaphoreSlim _available;
    private readonly Lock _lock = new();
    private string? _failure;

    public FreeSlots(int count)
    {
        _held = new bool[count];
        for (int slot = count - 1; slot >= 0; slot--)
        {
            _free.Push(slot);
        }

        _available = new SemaphoreSlim(count);
    }

    /// <summary>Waits for a free slot; throws <see cref="IOException"/> once the connection has failed.</summary>
    public async ValueTask<int> RentAsync(CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (_failure is not null)
            {
                _available.Release(); // pass the wake-up on to the next waiter
                throw new IOException(_failure);
            }

            int slot = _free.Pop();
            _held[slot] = true;
            return slot;
        }
    }

    /// <summary>A slot the consumer released, or one whose frame was never sent. False when it was not rented.</summary>
    public bool Return(int slot)
    {
        lock (_lock)
        {
            if (slot >= _held.Length || !_held[slot])
            {
                return false;
            }

            _held[slot] = false;
            _free.Push(slot);
        }

        _available.Release();
        return true;
    }

    public void Fail(string reason)
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = reason;
        }

        _available.Release();
    }

    public void Dispose() => _available.Dispose();
}
