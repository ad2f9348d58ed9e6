using System.Runtime.CompilerServices;
using System.Threading.Channels;
using RawFrames.Client.Sinks;

namespace RawFrames.Client;

/// <summary>
/// One connection's way through a <see cref="SinkPipeline"/>: frames go to the encoded sinks at once; those to be
/// decoded are copied into a decode job (the decoders' queue is bounded, so a slow decoder slows the connection, never
/// grows memory), and a task of this connection's own hands the decoded frames, in order, to the decoded sinks.
/// </summary>
public sealed class ConnectionSinks : IAsyncDisposable
{
    private readonly SinkPipeline _pipeline;
    private DecodeStage? _decoding;
    private Task _delivering = Task.CompletedTask;

    internal ConnectionSinks(SinkPipeline pipeline) => _pipeline = pipeline;

    /// <summary>One frame of this connection, on its loop: to the frame sinks now, to the decoders when it is to be decoded (waiting, without allocating, while they are busy).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask OnFrameAsync(SinkFrame frame)
    {
        _pipeline.ToEncoded(frame);
        if (frame.DecodesTo is not { } target)
        {
            return;
        }

        if (_decoding is null)
        {
            _decoding = _pipeline.NewDecodeStage(target);
            _delivering = DeliverDecodedAsync(_decoding);
        }

        DecodeJob job = await _decoding.Workers.RentAsync().ConfigureAwait(false);
        job.CopyIn(frame);
        await _decoding.Workers.SubmitAsync(job).ConfigureAwait(false);
    }

    /// <summary>Drops what is still being decoded (the run is cut short).</summary>
    public void Abort() => _decoding?.Workers.Abort();

    /// <summary>Waits until every submitted frame has reached the decoded sinks.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_decoding is not null)
        {
            _decoding.Workers.Complete();
            await _delivering.ConfigureAwait(false);
            await _decoding.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task DeliverDecodedAsync(DecodeStage decoding)
    {
        while (true)
        {
            DecodeJob job;
            try
            {
                job = await decoding.Workers.ReceiveAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
                return; // all frames delivered, or the stage was aborted
            }

            _pipeline.ToDecoded(job.Frame, job.Pixels(decoding.Target));
            decoding.Workers.Return(job);
        }
    }
}
