using Microsoft.Win32.SafeHandles;

namespace RawFrames.Codecs.Interop;

/// <summary>A TurboJPEG compressor or decompressor. Not thread-safe: one per thread or worker.</summary>
internal sealed class TurboJpegHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public TurboJpegHandle() : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => TurboJpeg.Destroy(handle) == 0;
}
