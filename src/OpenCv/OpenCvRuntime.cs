using OpenCvSharp;
using RawFrames.Codecs;

namespace RawFrames.OpenCv;

/// <summary>
/// OpenCV's native runtime (libOpenCvSharpExtern.so, from the OpenCvSharp4.official.runtime.linux-x64 package) is
/// loaded on first use; when a library it links is missing, the error says which Debian packages provide them.
/// </summary>
internal static class OpenCvRuntime
{
    private const string DebianPackages = "libgtk-3-0 libharfbuzz0b libfreetype6 libdrm2 libatomic1";
    private static readonly Lazy<string?> s_problem = new(Probe);
    private static readonly Lazy<bool> s_network = new(HasNetworkProtocols);

    /// <summary>
    /// Whether VideoCapture can open network streams. The runtime served here (OpenCvSharp4.official.runtime.linux-x64
    /// 4.13) links an FFmpeg configured with --disable-network: files and cameras only.
    /// </summary>
    public static bool CanOpenNetworkStreams
    {
        get
        {
            Require();
            return s_network.Value;
        }
    }

    /// <exception cref="CodecUnavailableException">The runtime cannot be loaded.</exception>
    public static void Require()
    {
        if (s_problem.Value is { } problem)
        {
            throw new CodecUnavailableException(problem);
        }
    }

    // OpenCV's build information does not show how its FFmpeg was configured; FFmpeg's own configuration string,
    // linked into the runtime, does.
    private static bool HasNetworkProtocols()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libOpenCvSharpExtern.so"),
            Path.Combine(AppContext.BaseDirectory, "libOpenCvSharpExtern.so"),
        ];
        if (candidates.FirstOrDefault(File.Exists) is not { } library)
        {
            return true; // a runtime of another origin: let opening say what it can do
        }

        byte[] marker = "--disable-network"u8.ToArray();
        using FileStream file = File.OpenRead(library);
        byte[] buffer = new byte[1 << 20];
        int kept = 0;
        while (file.Read(buffer, kept, buffer.Length - kept) is var read and > 0)
        {
            int length = kept + read;
            if (buffer.AsSpan(0, length).IndexOf(marker) >= 0)
            {
                return false;
            }

            // Keep the tail, so that a marker across two reads is still found.
            kept = Math.Min(marker.Length - 1, length);
            buffer.AsSpan(length - kept, kept).CopyTo(buffer);
        }

        return true;
    }

    private static string? Probe()
    {
        try
        {
            _ = Cv2.GetVersionString();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            return $"OpenCV's native runtime (libOpenCvSharpExtern.so) cannot be loaded: {(e.InnerException ?? e).Message}; "
                   + $"it needs: apt-get install {DebianPackages}";
        }
    }
}
