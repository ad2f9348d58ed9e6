using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace RawFrames.Programs.Cli;

/// <summary>
/// Numeric options whose parse and range errors are in the user's words ("--fps 'abc': expected a number from 0 to
/// 100000"), not the parser's type names, and are usage errors (exit 2) like every other bad option.
/// </summary>
public static class NumberOption
{
    /// <summary>An option with a default; <paramref name="range"/> says in words what is allowed, e.g. "1 to 100".</summary>
    public static Option<T> Create<T>(string name, string description, T defaultValue, T min, T max, string? range = null)
        where T : struct, INumber<T>
    {
        var option = new Option<T>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.CustomParser = result => Parse(result, name, min, max, range) ?? defaultValue;
        return option;
    }

    /// <summary>An option that is null when not given.</summary>
    public static Option<T?> Optional<T>(string name, string description, T min, T max, string? range = null)
        where T : struct, INumber<T>
    {
        var option = new Option<T?>(name) { Description = description };
        option.CustomParser = result => Parse(result, name, min, max, range);
        return option;
    }

    private static T? Parse<T>(ArgumentResult result, string name, T min, T max, string? range)
        where T : struct, INumber<T>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        bool whole = typeof(T) != typeof(double) && typeof(T) != typeof(float);
        NumberStyles style = whole ? NumberStyles.Integer : NumberStyles.Float;
        if (T.TryParse(text, style, CultureInfo.InvariantCulture, out T value) && !T.IsNaN(value) && value >= min && value <= max)
        {
            return value;
        }

        string expected = range ?? $"{(whole ? "a whole number" : "a number")} from {min.ToString(null, CultureInfo.InvariantCulture)} to {max.ToString(null, CultureInfo.InvariantCulture)}";
        result.AddError($"{name} '{text}': expected {expected}");
        return null;
    }
}
