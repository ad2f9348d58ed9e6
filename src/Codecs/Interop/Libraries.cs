using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RawFrames.Codecs.Interop;

/// <summary>
/// Every native library the codecs use, with its soname and the Debian package that provides it, resolved in one
/// place. Only the versioned sonames exist without the -dev packages, so the plain names in the imports are mapped to
/// them here, once, before any import is bound.
/// </summary>
internal static class Libraries
{
    public const string TurboJpeg = "turbojpeg";
    public const string Yuv = "yuv";
    public const string Spng = "spng";

    public static readonly IReadOnlyList<NativeLibraryInfo> All =
    [
        new(TurboJpeg, "libturbojpeg.so.0", "libturbojpeg0", "JPEG and YUV-JPEG"),
        new(Yuv, "libyuv.so.0", "libyuv0", "YUV-JPEG colour conversion"),
        new(Spng, "libspng.so.0", "libspng0", "PNG"),
    ];

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before the first import binds.")]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(Libraries).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (NativeLibraryInfo library in All)
        {
            if (library.ImportName == name)
            {
                return NativeLibrary.TryLoad(library.Soname, assembly, searchPath, out IntPtr handle) ? handle : IntPtr.Zero;
            }
        }

        return IntPtr.Zero;
    }
}

/// <summary>A native library the codecs need: what it is called, where it comes from, what it is for.</summary>
public sealed record NativeLibraryInfo(string ImportName, string Soname, string DebianPackage, string UsedFor);
