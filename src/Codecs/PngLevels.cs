namespace RawFrames.Client;

/// <summary>
/// The PNG compression level programs default to, and what each costs. Level 1 is OpenCV's default (cv2.imwrite,
/// cv2.imencode): the fast mode (the Sub filter and zlib's run-length strategy). Measured on this kind of 2-core
/// machine, one encoder thread, the 1920x1144 photo of scripts/natural-photo.sh panned, in sender CPU per frame
/// (whole process, start-up included): see <see cref="Help"/>.
/// </summary>
public static class PngLevels
{
    /// <summary>The level programs use unless told: 1, as OpenCV.</summary>
    public const int Default = 1;

    /// <summary>What each level costs, as the sender's --png-level help says it (rawframes-send --source image:PHOTO --codec png --png-level N --encoder-threads 1, whole-process CPU / frames).</summary>
    public const string Help = "PNG compression level, 0 (store) to 9 (smallest). Sender CPU and size per 1080p photo frame measured here: " +
        "0: 19 ms, 6.2 MB; 1 (the default, as in OpenCV): 60 ms, 2.3 MB; 3: 185 ms; 6: 510 ms, 2.1 MB; 9: 2.9 s, 2.0 MB";
}
