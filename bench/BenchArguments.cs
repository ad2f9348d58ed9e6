using System.Text.RegularExpressions;

namespace RawFrames.Bench;

/// <summary>
/// The bench's command line, as BenchmarkDotNet's users type it. <c>--filter</c> patterns (globs, any number) select
/// BenchmarkDotNet benchmarks by full name and this bench's other parts by name: <c>opencv</c>, <c>model</c> and
/// <c>scenarios/GROUP/NAME</c>. <c>--list</c>, <c>--info</c> and <c>--help</c> only print. <c>--quick</c> runs every
/// selected part once (CI). Everything else goes to BenchmarkDotNet as it is (e.g. <c>--job short</c>).
/// </summary>
public sealed class BenchArguments
{
    /// <summary>The parts beside BenchmarkDotNet's benchmarks, by the names <c>--filter</c> and <c>--list</c> use.</summary>
    public const string OpenCv = "opencv";

    /// <summary>The model-ready frames comparison.</summary>
    public const string Model = "model";

    private const string ScenarioPrefix = "scenarios/";

    private readonly List<Regex> _selectors;

    private BenchArguments(bool quick, IReadOnlyList<string> patterns, IReadOnlyList<string> passThrough, string? list, bool info, bool help)
    {
        (Quick, Patterns, PassThrough, List, Info, Help) = (quick, patterns, passThrough, list, info, help);
        _selectors = [.. patterns.Select(Glob)];
    }

    public bool Quick { get; }

    /// <summary>The <c>--filter</c> patterns; <c>*</c> when none was given (everything).</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>Arguments for BenchmarkDotNet other than <c>--filter</c>.</summary>
    public IReadOnlyList<string> PassThrough { get; }

    /// <summary><c>--list flat</c> or <c>--list tree</c>: print the selected names and run nothing.</summary>
    public string? List { get; }

    /// <summary><c>--info</c>: BenchmarkDotNet's description of this machine and runtime; nothing runs.</summary>
    public bool Info { get; }

    /// <summary><c>--help</c>, <c>-h</c> or <c>-?</c>.</summary>
    public bool Help { get; }

    /// <summary>Only prints: nothing runs and no result is replaced.</summary>
    public bool PrintsOnly => List is not null || Info || Help;

    /// <summary>No <c>--filter</c>: every part runs, and the run replaces the whole results folder.</summary>
    public bool Everything => Patterns is ["*"];

    /// <summary>Some pattern may select a BenchmarkDotNet benchmark (not only the bench's own parts).</summary>
    public bool SelectsBenchmarks => Patterns.Any(pattern => !IsOwnPart(pattern));

    public static BenchArguments Parse(string[] args)
    {
        bool quick = false, info = false, help = false;
        string? list = null;
        List<string> patterns = [];
        List<string> passThrough = [];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--filter":
                    while (i + 1 < args.Length && !args[i + 1].StartsWith('-'))
                    {
                        patterns.Add(args[++i]);
                    }

                    break;
                case "--list":
                    list = i + 1 < args.Length && !args[i + 1].StartsWith('-') ? args[++i] : "flat";
                    passThrough.AddRange(["--list", list]);
                    break;
                case "--info":
                    info = true;
                    passThrough.Add("--info");
                    break;
                case "--help" or "-h" or "-?":
                    help = true;
                    break;
                default:
                    passThrough.Add(args[i]);
                    break;
            }
        }

        return new BenchArguments(quick, patterns.Count == 0 ? ["*"] : patterns, passThrough, list, info, help);
    }

    /// <summary>Whether a part of the bench (<see cref="OpenCv"/>, <see cref="Model"/>, a scenario's filter name) is selected.</summary>
    public bool Selected(string name) => _selectors.Any(selector => selector.IsMatch(name));

    public const string Usage = """
        cd bench && dotnet run -c Release -- [--quick] [--filter PATTERN ...] [--list flat|tree] [--info] [--help] [BenchmarkDotNet options]

          --filter PATTERN ...  globs (* and ?) over the names --list prints: BenchmarkDotNet benchmarks by full name
                                (e.g. '*TurboJpeg*'), 'opencv' (OpenCvSharp beside RawFrames), 'model' (model-ready frames
                                beside the cv2 pipeline) and 'scenarios/GROUP/NAME' (separate processes over real sockets).
                                None: everything.
          --list flat|tree      print the selected names; nothing runs, no result is touched
          --info                print BenchmarkDotNet's description of this machine and runtime
          --quick               every selected part once (CI: the bench cannot rot; no timing is asserted)

        Results go to bench/results/latest (bench/results/quick with --quick). A run of everything replaces that folder;
        a filtered run replaces only the files of the parts it ran.
        BenchmarkDotNet's own options follow.
        """;

    // 'opencv', 'model' and 'scenarios/...' name this bench's parts; BenchmarkDotNet never sees them.
    private static bool IsOwnPart(string pattern) =>
        pattern.Equals(OpenCv, StringComparison.OrdinalIgnoreCase) || pattern.Equals(Model, StringComparison.OrdinalIgnoreCase)
        || pattern.StartsWith(ScenarioPrefix, StringComparison.OrdinalIgnoreCase);

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
