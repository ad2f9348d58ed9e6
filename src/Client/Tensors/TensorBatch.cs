using System.Runtime.InteropServices;
using RawFrames.Codecs;

namespace RawFrames.Client;

/// <summary>
/// Up to <see cref="Capacity"/> frames as one contiguous tensor (N x 3 x H x W for CHW), what a GPU model takes, with
/// each image's origin and letterbox. The memory is allocated once; <see cref="Clear"/> starts the next batch in it.
/// </summary>
/// <example>
/// <code>
/// using var batch = new TensorBatch(new TensorSpec(640, 640), capacity: 16);
/// await foreach (ReceivedFrame frame in receiver.ReadAllAsync())
/// {
///     if (batch.Add(frame)) { Run(batch.Floats, batch.Shape); batch.Clear(); }
/// }
/// </code>
/// </example>
public sealed class TensorBatch : IDisposable
{
    private readonly TensorConverter _converter;
    private readonly byte[] _data;
    private readonly TensorItem[] _items;

    /// <param name="spec">What the model takes.</param>
    /// <param name="capacity">Images per batch, 1 or more.</param>
    public TensorBatch(TensorSpec spec, int capacity = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _converter = new TensorConverter(spec);
        _data = GC.AllocateUninitializedArray<byte>(checked(spec.ByteCount * capacity), pinned: true);
        _items = new TensorItem[capacity];
    }

    /// <summary>What each image is.</summary>
    public TensorSpec Spec => _converter.Spec;

    /// <summary>Images the batch holds when full.</summary>
    public int Capacity => _items.Length;

    /// <summary>Images in the batch now.</summary>
    public int Count { get; private set; }

    /// <summary>True when <see cref="Count"/> has reached <see cref="Capacity"/>.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>The batch's shape: (N, 3, H, W) or (N, H, W, 3), N = <see cref="Count"/>.</summary>
    public IReadOnlyList<int> Shape => [Count, .. Spec.Shape];

    /// <summary>Where each image came from, in batch order.</summary>
    public ReadOnlySpan<TensorItem> Items => _items.AsSpan(0, Count);

    /// <summary>The images' bytes, one after another (any element type).</summary>
    public ReadOnlySpan<byte> Bytes => _data.AsSpan(0, Count * Spec.ByteCount);

    /// <summary>The memory of the images, e.g. for a tensor object of an inference library.</summary>
    public ReadOnlyMemory<byte> Memory => _data.AsMemory(0, Count * Spec.ByteCount);

    /// <summary>The images' values as float32.</summary>
    /// <exception cref="InvalidOperationException">The spec's element type is not float32.</exception>
    public ReadOnlySpan<float> Floats => Spec.Element == TensorElement.Float32
        ? MemoryMarshal.Cast<byte, float>(Bytes)
        : throw new InvalidOperationException($"the batch holds {Spec.Element} values; read Bytes");

    /// <summary>Converts the frame into the next image of the batch.</summary>
    /// <returns>True when the batch is now full.</returns>
    /// <exception cref="InvalidOperationException">The batch is full: <see cref="Clear"/> it first.</exception>
    /// <exception cref="CorruptFrameException">The payload does not decode; the batch is unchanged.</exception>
    public bool Add(ReceivedFrame frame)
    {
        if (IsFull)
        {
            throw new InvalidOperationException($"the batch already holds {Capacity} images; Clear it first");
        }

        int size = Spec.ByteCount;
        Letterbox letterbox = _converter.Convert(frame, _data.AsSpan(Count * size, size));
        _items[Count] = new TensorItem(frame.StreamId, frame.Sequence, frame.TimestampNs, letterbox);
        Count++;
        return IsFull;
    }

    /// <summary>Empties the batch; the next <see cref="Add"/> writes the first image again.</summary>
    public void Clear() => Count = 0;

    /// <inheritdoc/>
    public void Dispose() => _converter.Dispose();
}
