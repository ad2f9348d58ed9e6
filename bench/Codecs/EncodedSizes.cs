using System.Collections.Concurrent;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using RawFrames.Bench.Content;

namespace RawFrames.Bench.Codecs;

/// <summary>
/// Bytes per frame each codec produced on each content, recorded by the benchmarks' setup (the bench runs in process,
/// so the column reads what the setup wrote) and shown as a column beside the time.
/// </summary>
public sealed class EncodedSizes : IColumn
{
    private static readonly ConcurrentDictionary<(CodecCase, ContentKind), int> s_sizes = new();

    public static void Record(CodecCase codec, ContentKind content, int bytes) => s_sizes[(codec, content)] = bytes;

    public string Id => nameof(EncodedSizes);

    public string ColumnName => "Bytes/frame";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Size;

    public string Legend => "Encoded bytes per frame (the payload on the wire)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (benchmarkCase.Parameters["Codec"] is CodecCase codec && benchmarkCase.Parameters["Content"] is ContentKind content
            && s_sizes.TryGetValue((codec, content), out int bytes))
        {
            return bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        }

        return "-";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
