using RawFrames.Protocol.Transport.SharedMemory;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>
/// A ring slot lent to the producer (like ROS 2's loaned messages): write the frame's payload straight into
/// <see cref="Payload"/>, e.g. decode or capture into it, then <see cref="SendAsync"/>: nothing is copied on the
/// producer's side. Disposing a loan that was not sent gives the slot back.
/// </summary>
public sealed class FrameLoan : IDisposable
{
    private readonly SharedMemoryProducer _owner;
    private readonly int _slot;
    private int _done;

    internal FrameLoan(SharedMemoryProducer owner, int slot, Memory<byte> payload)
    {
        _owner = owner;
        _slot = slot;
        Payload = payload;
    }

    /// <summary>Shared memory the consumer will read in place: exactly the payload length asked for.</summary>
    public Memory<byte> Payload { get; }

    /// <summary>
    /// Sends the frame whose payload is in <see cref="Payload"/>; the header is checked like any frame's. After this
    /// the memory belongs to the consumer until it releases it: do not write to it again.
    /// </summary>
    internal ValueTask SendAsync(FrameHeader header, ReadOnlyMemory<byte> metadata = default, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            throw new InvalidOperationException("this loan was already sent or given back");
        }

        return _owner.SendRentedAsync(_slot, header, metadata, Payload.Length, cancellationToken);
    }

    /// <summary>Gives the slot back if the loan was not sent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _owner.ReturnRented(_slot);
        }
    }
}
