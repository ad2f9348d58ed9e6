using System.Collections.Concurrent;
using RawFrames.Client;

namespace RawFrames.Codecs;

/// <summary>
/// Encoders and decoders reused across frames and threads, the one codec cache every component uses (a receiver's
/// frames, the receiving programs' decode stage, the browser view, the relay's conversions). A codec handle is not
/// thread-safe, so each use rents one and returns it; creating one per frame would cost more than small frames take
/// to code. Disposing the pool frees every handle it holds.
/// </summary>
public sealed class CodecPool(EncoderSettings? encoderSettings = null, bool fastJpegDecode = false) : IDisposable
{
    private readonly EncoderSettings _encoderSettings = encoderSettings ?? new EncoderSettings();
    private readonly ConcurrentDictionary<(Codec, DecodeTarget), ConcurrentBag<IFrameDecoder>> _decoders = new();
    private readonly ConcurrentDictionary<Codec, ConcurrentBag<IFrameEncoder>> _encoders = new();
    private int _disposed;

    /// <summary>A decoder of <paramref name="codec"/> payloads to <paramref name="target"/>; dispose the lease to give it back.</summary>
    /// <exception cref="CodecUnavailableException">The codec's native library is missing.</exception>
    public Lease<IFrameDecoder> RentDecoder(Codec codec, DecodeTarget target)
    {
        ConcurrentBag<IFrameDecoder> bag = _decoders.GetOrAdd((codec, target), static _ => []);
        return new Lease<IFrameDecoder>(bag, bag.TryTake(out IFrameDecoder? decoder) ? decoder : FrameCodecs.CreateDecoder(codec, target, fastJpegDecode), this);
    }

    /// <summary>An encoder of <paramref name="codec"/> with the pool's settings; dispose the lease to give it back.</summary>
    /// <exception cref="CodecUnavailableException">The codec's native library is missing.</exception>
    public Lease<IFrameEncoder> RentEncoder(Codec codec)
    {
        ConcurrentBag<IFrameEncoder> bag = _encoders.GetOrAdd(codec, static _ => []);
        return new Lease<IFrameEncoder>(bag, bag.TryTake(out IFrameEncoder? encoder) ? encoder : FrameCodecs.CreateEncoder(codec, _encoderSettings), this);
    }

    /// <summary>Frees every codec the pool holds; codecs rented now are freed when given back.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (IDisposable codec in _decoders.Values.SelectMany(bag => bag).Concat<IDisposable>(_encoders.Values.SelectMany(bag => bag)))
        {
            codec.Dispose();
        }
    }

    /// <summary>A rented codec; disposing gives it back to the pool (or frees it when the pool is gone).</summary>
    public readonly struct Lease<T> : IDisposable
        where T : class, IDisposable
    {
        private readonly ConcurrentBag<T> _bag;
        private readonly CodecPool _pool;

        internal Lease(ConcurrentBag<T> bag, T codec, CodecPool pool)
        {
            _bag = bag;
            Codec = codec;
            _pool = pool;
        }

        /// <summary>The rented codec: use it until the lease is disposed, on one thread at a time.</summary>
        public T Codec { get; }

        /// <summary>Gives the codec back to the pool.</summary>
        public void Dispose()
        {
            if (Volatile.Read(ref _pool._disposed) != 0)
            {
                Codec.Dispose();
                return;
            }

            _bag.Add(Codec);
        }
    }
}
