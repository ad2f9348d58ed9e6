using System.Runtime.InteropServices;
using RawFrames.Codecs.Interop;

namespace RawFrames.Codecs;

/// <summary>Which native codec libraries can be loaded, checked once at start-up so a missing one is named up front.</summary>
public static class NativeCodecs
{
    /// <summary>The libraries that cannot be loaded; empty when all codecs are available.</summary>
    public static IReadOnlyList<NativeLibraryInfo> Missing => s_missing;

    private static readonly NativeLibraryInfo[] s_missing = Libraries.All.Where(l => !CanLoad(l.Soname)).ToArray();

    /// <summary>One line per missing library: what is unavailable and the apt-get command that fixes it.</summary>
    public static string DescribeMissing() => string.Join('\n', Missing.Select(l =>
        $"{l.Soname} not found: {l.UsedFor} unavailable (apt-get install {l.DebianPackage}); raw frames still work"));

    /// <summary>For --help and the packages' readme: which Debian package each codec loads, and which are missing here.</summary>
    public static string DescribeNeeds() =>
        "Codecs load native libraries from Debian packages: " + string.Join(", ", Libraries.All.Select(l => $"{l.DebianPackage} ({l.UsedFor})")) +
        $"; raw frames need none. Install them with: apt-get install {string.Join(' ', Libraries.All.Select(l => l.DebianPackage))}" +
        (Missing.Count == 0 ? " (all found here)." : $" (missing here: {string.Join(", ", Missing.Select(l => l.DebianPackage))}).");

    /// <summary>Throws <see cref="CodecUnavailableException"/> naming the package when <paramref name="importName"/> cannot be loaded.</summary>
    /// <remarks>Called on per-frame paths (colour conversion, buffer sizing), so it must not allocate: no LINQ closure.</remarks>
    internal static void Require(string importName)
    {
        foreach (NativeLibraryInfo missing in s_missing)
        {
            if (missing.ImportName == importName)
            {
                throw new CodecUnavailableException(missing);
            }
        }
    }

    private static bool CanLoad(string soname)
    {
        if (!NativeLibrary.TryLoad(soname, out IntPtr handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}

/// <summary>A codec was asked for whose native library is not installed.</summary>
public sealed class CodecUnavailableException : Exception
{
    /// <summary>The library is missing; the message says which package installs it.</summary>
    public CodecUnavailableException(NativeLibraryInfo library)
        : base($"{library.Soname} not found: {library.UsedFor} unavailable; install it with: apt-get install {library.DebianPackage}") =>
        Library = library;

    /// <summary>A codec unavailable, without details.</summary>
    public CodecUnavailableException() : this("a native codec library is missing") { }

    /// <summary>A codec unavailable, said in <paramref name="message"/>.</summary>
    public CodecUnavailableException(string message) : base(message) { }

    /// <summary>A codec unavailable, said in <paramref name="message"/>, found through <paramref name="inner"/>.</summary>
    public CodecUnavailableException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The missing library and the Debian package that has it; null when not known.</summary>
    public NativeLibraryInfo? Library { get; }
}

/// <summary>A payload the codec could not decode (corrupt, truncated, or not what its header says).</summary>
public sealed class CorruptFrameException : Exception
{
    /// <summary>A corrupt payload, without details.</summary>
    public CorruptFrameException() { }

    /// <summary>A corrupt payload, with the codec's words for what is wrong.</summary>
    public CorruptFrameException(string message) : base(message) { }

    /// <summary>A corrupt payload, said in <paramref name="message"/>, found through <paramref name="inner"/>.</summary>
    public CorruptFrameException(string message, Exception inner) : base(message, inner) { }
}
