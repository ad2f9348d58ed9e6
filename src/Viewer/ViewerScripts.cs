using System.Reflection;

namespace RawFrames.Viewer;

/// <summary>
/// The page's scripts, built into the assembly from Web/: rawframes.js (PROTOCOL.md's parser in JavaScript),
/// paint.js (frames painted on a canvas) and viewer-worker.js (the same off the main thread). Served at /NAME.
/// </summary>
public static class ViewerScripts
{
    public static readonly IReadOnlyList<string> Names = ["rawframes.js", "paint.js", "viewer-worker.js"];

    private static readonly Dictionary<string, string> s_scripts = Names.ToDictionary(name => name, Load);

    public static string Text(string name) => s_scripts[name];

    private static string Load(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not built into {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
