using System.Reflection;
using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Codecs;
using RawFrames.Protocol;

namespace RawFrames.Tests.Client;

/// <summary>
/// The sender and receiver programs, the browser view and the programs' shared part build on the libraries' public
/// API alone: no library grants them its internals. (The relay and the bench's micro benchmarks still do; the grants
/// below say so, and this test fails if one comes back for the others.)
/// </summary>
public sealed class PublicDoorTests
{
    private static readonly string[] s_onPublicApiOnly = ["rawframes-send", "rawframes-recv", "RawFrames.Viewer", "RawFrames.Streaming"];

    public static TheoryData<string> Libraries() => new()
    {
        typeof(ProtocolException).Assembly.GetName().Name!,
        typeof(CodecPool).Assembly.GetName().Name!,
        typeof(FrameSender).Assembly.GetName().Name!,
        typeof(RawFrames.OpenCv.Capture.VideoCaptureSource).Assembly.GetName().Name!,
        typeof(RawFrames.Viewer.HttpViewer).Assembly.GetName().Name!,
        typeof(RawFrames.Streaming.Log).Assembly.GetName().Name!,
    };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void NoLibraryOpensItsInternals_ToTheProgramsThatUseOnlyThePublicApi(string library)
    {
        string[] granted = [.. Assembly.Load(library).GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName)];

        granted.Should().Contain("RawFrames.Tests");
        granted.Should().NotIntersectWith(s_onPublicApiOnly, $"{library} must not open its internals to the programs");
    }
}
