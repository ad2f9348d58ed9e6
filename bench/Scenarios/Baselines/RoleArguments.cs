using System.Globalization;
using RawFrames.Programs.Sources;

namespace RawFrames.Bench.Scenarios.Baselines;

/// <summary>
/// The options a baseline role process gets from the scenario runner:
/// <c>--role NAME --port P --source SPEC --seconds S [--quality Q]</c>. Roles run as separate processes so that each
/// side's CPU time is measured on its own, as with rawframes-send and rawframes-recv.
/// </summary>
internal sealed record RoleArguments(string Role, int Port, SourceSpec Source, double Seconds, int Quality)
{
    public static RoleArguments Parse(string[] args)
    {
        string Value(string name, string? fallback = null)
        {
            int index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1]
                : fallback ?? throw new ArgumentException($"baseline role: {name} is required");
        }

        return new RoleArguments(
            Value("--role"),
            int.Parse(Value("--port"), CultureInfo.InvariantCulture),
            SourceSpec.Parse(Value("--source", "synthetic")),
            double.Parse(Value("--seconds", "5"), CultureInfo.InvariantCulture),
            int.Parse(Value("--quality", "80"), CultureInfo.InvariantCulture));
    }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>The arguments that recreate these options in a child process.</summary>
    public static string[] Format(string role, int port, string source, double seconds) =>
        ["--role", role, "--port", port.ToString(CultureInfo.InvariantCulture), "--source", source,
         "--seconds", seconds.ToString(CultureInfo.InvariantCulture)];
}
