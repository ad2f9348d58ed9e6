using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Receiver.Sinks;
using RawFrames.Programs.Cli;
using RawFrames.Programs.Sinks;
using RawFrames.Programs.Stats;
using RawFrames.Programs.Verification;
using RawFrames.Programs;
using RawFrames.Viewer;

namespace RawFrames.Receiver;

/// <summary>
/// The sinks the command line asked for, in the order they see each frame: totals and latency, --verify, --save,
/// --stdout, the browser view (--http); and the decode stage in front of the decoded ones when --decode or --verify
/// needs pixels of compressed frames.
/// </summary>
internal sealed class ReceiverSinks : IAsyncDisposable
{
    private ReceiverSinks(ReceiverOptions options, TransferTotals totals, AllocationWindow allocations, Log log, Action stop)
    {
        Codecs = new CodecPool(fastJpegDecode: options.FastDecode);
        Decodes = new DecodeReportSink(log);
        Verify = options.Verify ? new VerifySink(totals, options.MinPsnrDb, log) : null;
        Save = options.SaveDirectory is { } folder ? new SaveSink(FrameSaver.Create(folder, options.SaveEvery), log) : null;
        Stdout = options.Stdout ? new StdoutSink(decoded: options.Decode is not null || options.Model is not null, log, stop, modelInputs: options.Model is not null) : null;
        Model = options.Model;
        Totals = new TotalsSink(totals, allocations);
    }

    public CodecPool Codecs { get; }

    /// <summary>--model: what every frame becomes.</summary>
    public TensorSpec? Model { get; }

    public TotalsSink Totals { get; }

    public DecodeReportSink Decodes { get; }

    public VerifySink? Verify { get; }

    public SaveSink? Save { get; }

    public StdoutSink? Stdout { get; }

    /// <summary>--record.</summary>
    public RecordingSink? Recorder { get; private set; }

    public HttpViewer? Viewer { get; private set; }

    public SinkPipeline Pipeline { get; private set; } = null!;

    /// <summary>Makes the sinks; a --save folder that cannot be made or an --http address that cannot be served is a usage error.</summary>
    public static async Task<ReceiverSinks> CreateAsync(ReceiverOptions options, TransferTotals totals, AllocationWindow allocations, Log log, Action stop,
        CancellationToken cancellationToken)
    {
        var sinks = new ReceiverSinks(options, totals, allocations, log, stop);
        if (options.Http is not null)
        {
            try
            {
                sinks.Viewer = await HttpViewer.StartAsync(options.Http, sinks.Codecs, cancellationToken);
                log.Info($"browser view on {sinks.Viewer.Url} (streams at /stream/ID, snapshots at /snapshot/ID, state at /state)");
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                await sinks.DisposeAsync();
                throw Programs.Cli.RunFailedException.Usage($"--http {options.Http}: {e.Message}");
            }
        }

        sinks.Recorder = options.Record?.Start(log);
        ISink?[] all = [sinks.Totals, sinks.Recorder, sinks.Decodes, sinks.Verify, sinks.Save, sinks.Stdout, sinks.Viewer is { } viewer ? new ViewerSink(viewer) : null];
        // --verify compares decoded compressed frames with the pattern as BGR unless --decode asks for YUV.
        // --model makes model inputs of every frame, raw ones too.
        DecodeTarget? decodeTo = options.Model is not null ? DecodeTarget.Tensor : options.Decode ?? (options.Verify ? DecodeTarget.Bgr : null);
        sinks.Pipeline = new SinkPipeline(all.OfType<ISink>(), new SinkPipelineOptions
        {
            DecodeTo = decodeTo,
            Tensor = options.Model,
            DecoderThreads = options.DecoderThreads,
            Check = options.Verify ? () => new SyntheticPsnr() : null,
        });
        return sinks;
    }

    public RunSummary AddTo(RunSummary summary) => RecordOptions.AddTo(summary, Recorder)
        .Add("model", Model is null ? null : ModelSummary.Describe(Model))
        .Add("decoded", Decodes.Decoded)
        .Add("corrupt_frames", Decodes.Corrupt)
        .Add("psnr_min_db", Verify?.PsnrMinDb ?? double.NaN, "dB")
        .Add("saved", Save?.Saved ?? 0)
        .Add("stdout_frames", Stdout?.Written ?? 0)
        .Add("stdout_skipped", Stdout?.Skipped ?? 0);

    public async ValueTask DisposeAsync()
    {
        if (Viewer is not null)
        {
            await Viewer.DisposeAsync();
        }

        Stdout?.Dispose();
        if (Recorder is not null)
        {
            await Recorder.DisposeAsync();
        }

        Pipeline?.Dispose();
        Codecs.Dispose();
    }
}
