using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace RawFrames.Tests.Support;

/// <summary>
/// README examples kept honest: a test method holds an example's code, and the README must show exactly those lines
/// (parameters written out as the README writes them), so the README cannot drift from code that runs.
/// </summary>
public static partial class ReadmeCode
{
    /// <summary>The README's C# code blocks, trimmed.</summary>
    public static string[] CSharpBlocks() =>
        [.. CSharpBlock().Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"))).Select(match => match.Groups[1].Value.Trim())];

    /// <summary>
    /// The lines between the braces of <paramref name="method"/> in <paramref name="file"/>, unindented, with each
    /// parameter replaced by what the README writes in its place (e.g. <c>endpoint</c> by the endpoint in quotes)
    /// and test output written as the console.
    /// </summary>
    public static string Body(string file, string method, params (string Parameter, string AsPrinted)[] parameters)
    {
        string source = File.ReadAllText(file);
        int start = Regex.Match(source, $@"(Task|void) {method}\(").Index; // the declaration, not a call
        int open = source.IndexOf("\n    {\n", start, StringComparison.Ordinal) + "\n    {\n".Length;
        int close = source.IndexOf("\n    }\n", open, StringComparison.Ordinal);
        string body = string.Join('\n', source[open..close].Split('\n').Select(line => line.Length >= 8 ? line[8..] : line.TrimStart()))
            .Replace("output.WriteLine", "Console.WriteLine", StringComparison.Ordinal);
        foreach ((string parameter, string asPrinted) in parameters)
        {
            body = Regex.Replace(body, $@"\b{parameter}\b", asPrinted.Replace("$", "$$", StringComparison.Ordinal));
        }

        return body.Trim();
    }

    public static string RepositoryRoot([CallerFilePath] string file = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
