using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RawFrames.Programs.Stats;

/// <summary>
/// The end-of-run figures of a program: printed as an aligned table for people (stderr) and as one JSON line for
/// scripts (stdout, with --json). Fields keep the order they were added in.
/// </summary>
public sealed class RunSummary
{
    private const int LongText = 40;

    private readonly List<(string Key, object? Value, string? Unit)> _fields = [];

    public RunSummary Add(string key, object? value, string? unit = null)
    {
        _fields.Add((key, value, unit));
        return this;
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            foreach ((string key, object? value, _) in _fields)
            {
                json.WritePropertyName(key);
                WriteValue(json, value);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public string ToTable(string title)
    {
        var lines = new List<(string, string)>();
        var notes = new List<string>();
        foreach ((string key, object? value, string? unit) in _fields)
        {
            if (value is IEnumerable<IReadOnlyDictionary<string, object?>> || value is IEnumerable<string>)
            {
                continue;
            }

            // A sentence (an error) reads better under the table than stretched across it.
            if (value is string { Length: > LongText } sentence)
            {
                notes.Add($"{key}: {sentence}");
                continue;
            }

            lines.Add((key, Format(value) + (unit is null ? "" : " " + unit)));
        }

        int keyWidth = Math.Max(5, lines.Max(l => l.Item1.Length));
        int valueWidth = Math.Max(5, lines.Max(l => l.Item2.Length));
        var text = new StringBuilder();
        text.AppendLine(title);
        text.AppendLine(CultureInfo.InvariantCulture, $"| {"field".PadRight(keyWidth)} | {"value".PadLeft(valueWidth)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"|{new string('-', keyWidth + 2)}|{new string('-', valueWidth + 1)}:|");
        foreach ((string key, string value) in lines)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {key.PadRight(keyWidth)} | {value.PadLeft(valueWidth)} |");
        }

        foreach (string note in notes)
        {
            text.AppendLine(note);
        }

        return text.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "-",
        double d when double.IsNaN(d) => "-",
        double d => d.ToString(Math.Abs(d) >= 100 ? "0.0" : "0.000", CultureInfo.InvariantCulture),
        bool b => b ? "yes" : "no",
        IEnumerable<KeyValuePair<string, long>> counts => string.Join(", ", counts.Select(pair => $"{pair.Key} {pair.Value}")) is { Length: > 0 } text ? text : "-",
        IReadOnlyDictionary<string, object?> fields => string.Join(", ", fields.Where(pair => pair.Value is not null).Select(pair => $"{pair.Key} {Format(pair.Value)}")),
        IEnumerable<float> numbers => string.Join(",", numbers.Select(n => n.ToString(CultureInfo.InvariantCulture))),
        IEnumerable<int> numbers => string.Join("x", numbers),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
            case double d when double.IsNaN(d) || double.IsInfinity(d):
                json.WriteNullValue();
                break;
            case double d:
                json.WriteNumberValue(Math.Round(d, 3));
                break;
            case long l:
                json.WriteNumberValue(l);
                break;
            case int i:
                json.WriteNumberValue(i);
                break;
            case ulong u:
                json.WriteNumberValue(u);
                break;
            case uint u:
                json.WriteNumberValue(u);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case IEnumerable<KeyValuePair<string, long>> counts:
                json.WriteStartObject();
                foreach ((string key, long count) in counts)
                {
                    json.WriteNumber(key, count);
                }

                json.WriteEndObject();
                break;
            case IReadOnlyDictionary<string, object?> fields:
                json.WriteStartObject();
                foreach ((string key, object? inner) in fields)
                {
                    json.WritePropertyName(key);
                    WriteValue(json, inner);
                }

                json.WriteEndObject();
                break;
            case float f:
                json.WriteNumberValue(f);
                break;
            case IEnumerable<float> numbers:
                json.WriteStartArray();
                foreach (float n in numbers)
                {
                    json.WriteNumberValue(n);
                }

                json.WriteEndArray();
                break;
            case IEnumerable<int> numbers:
                json.WriteStartArray();
                foreach (int n in numbers)
                {
                    json.WriteNumberValue(n);
                }

                json.WriteEndArray();
                break;
            case IEnumerable<IReadOnlyDictionary<string, object?>> objects:
                json.WriteStartArray();
                foreach (IReadOnlyDictionary<string, object?> item in objects)
                {
                    json.WriteStartObject();
                    foreach ((string key, object? inner) in item)
                    {
                        json.WritePropertyName(key);
                        WriteValue(json, inner);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                break;
            case IEnumerable<string> strings:
                json.WriteStartArray();
                foreach (string s in strings)
                {
                    json.WriteStringValue(s);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
