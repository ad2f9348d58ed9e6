using Microsoft.Win32.SafeHandles;

namespace RawFrames.Codecs.Interop;

/// <summary>A libspng context: one image, encode or decode, not thread-safe.</summary>
internal sealed class SpngContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SpngContextHandle() : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Spng.CtxFree(handle);
        return true;
    }
}
