using System.Reflection;
using System.Runtime.CompilerServices;
using RawFrames.Client;
using RawFrames.Codecs;

namespace RawFrames.Tests.Client;

/// <summary>
/// The three programs, the browser view and the programs' shared part build on the libraries' public API alone: no
/// library grants them its internals, and the browser view and the shared part grant theirs to no program. (The
/// bench's micro benchmarks time the parser and the bare native calls, so Protocol and Codecs grant it theirs; each
/// grant says why in its project file, and this test fails if one comes back for the programs.)
/// </summary>
public sealed class PublicDoorTests
{
    private static readonly string[] s_onPublicApiOnly = ["rawframes-send", "rawframes-recv", "rawframes-relay", "RawFrames.Viewer", "RawFrames.Programs"];

    public static TheoryData<string> Libraries() => new()
    {
        typeof(ProtocolException).Assembly.GetName().Name!,
        typeof(CodecPool).Assembly.GetName().Name!,
        typeof(FrameSender).Assembly.GetName().Name!,
        typeof(RawFrames.OpenCv.Capture.VideoCaptureSource).Assembly.GetName().Name!,
        typeof(RawFrames.Viewer.HttpViewer).Assembly.GetName().Name!,
        typeof(RawFrames.Programs.Log).Assembly.GetName().Name!,
    };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void NoLibraryOpensItsInternals_ToTheProgramsThatUseOnlyThePublicApi(string library)
    {
        string[] granted = [.. Assembly.Load(library).GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName)];

        granted.Should().Contain("RawFrames.Tests");
        granted.Should().NotIntersectWith(s_onPublicApiOnly, $"{library} must not open its internals to the programs");
        if (library is "RawFrames.Viewer" or "RawFrames.Programs" or "RawFrames.OpenCv")
        {
            granted.Should().Equal(["RawFrames.Tests"], $"{library} is used through its public API by every program and the bench");
        }
    }
}
