using Microsoft.Extensions.Logging;

namespace RawFrames.Client;

/// <summary>How a <see cref="FrameServer"/> serves its subscribers. Every bound has a default that keeps a small machine safe.</summary>
public sealed record FrameServerOptions
{
    /// <summary>A lossless subscriber's queue in frames when its HELLO asks for none (64).</summary>
    public int QueueFrames { get; init; } = 64;

    /// <summary>
    /// The bytes of frames queued for one subscriber, whatever its queue in frames (128 MiB: 21 raw 1080p frames,
    /// about 700 JPEG ones). A queue over it is full, and the subscriber's "when full" rule applies.
    /// </summary>
    public long MaxQueuedBytes { get; init; } = 128L << 20;

    /// <summary>The bytes of frames queued for all subscribers together; a frame queued for several counts once (512 MiB).</summary>
    public long MaxTotalQueuedBytes { get; init; } = 512L << 20;

    /// <summary>At most this many subscribers at once; one more is refused with ERROR TooManyConnections.</summary>
    public int MaxSubscribers { get; init; } = 1024;

    /// <summary>How the codecs subscribers ask for are made: JPEG quality, chroma subsampling, PNG level.</summary>
    public EncoderSettings Encoder { get; init; } = new();

    /// <summary>
    /// Subscribers' RESULTs (PROTOCOL.md §10.2, e.g. a model's detections on the frames it was served), on the
    /// subscriber's task: must not wait. Null (the default): subscribers are told in HELLO that RESULTs are not taken.
    /// </summary>
    public Action<FrameResult>? OnResult { get; init; }

    /// <summary>
    /// The size of a shared-memory ring's slots for subscribers on Unix sockets that ask for it (shm://); 0 (the
    /// default): the first frame's size. Give it when frames vary and the largest is known (a full batch).
    /// </summary>
    public int SharedMemorySlotSize { get; init; }

    /// <summary>
    /// Every frame this server publishes is a model input (pixel formats 8-13, batches: PROTOCOL.md §7.2): a subscriber
    /// whose HELLO does not say it can read them (MODEL_INPUTS) is refused at once with ERROR NotCapable, in words.
    /// Otherwise such frames are never sent to it (counted in <see cref="ServedSubscriber.Unreadable"/>).
    /// </summary>
    public bool ServesModelInputs { get; init; }

    /// <summary>A subscriber that sends nothing this long (not even keep-alives) is cut; zero: never.</summary>
    public TimeSpan IdleTimeout { get; init; }

    /// <summary>What the server says it is in HELLO.</summary>
    public string Software { get; init; } = "rawframes-server/1";

    /// <summary>Where the server logs subscribers coming and going, and memory given back after bursts; null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
