using System.Collections.Concurrent;

namespace RawFrames.Programs.Stats;

/// <summary>
/// Errors of a run counted by kind (an error code's name, or ConnectionLost), with the first few messages kept for
/// the summary; the count is the run's <see cref="TransferTotals.Errors"/>, shown live. It does not log: the library
/// has logged each already (with its own flood limit).
/// </summary>
public sealed class ErrorTally(TransferTotals totals)
{
    private const int MaxKeptMessages = 20;
    private readonly ConcurrentDictionary<string, long> _byKind = new();
    private readonly ConcurrentQueue<string> _messages = new();

    public long Count => totals.Errors;

    public string? First => _messages.TryPeek(out string? first) ? first : null;

    public void Record(string kind, string message)
    {
        totals.AddError();
        _byKind.AddOrUpdate(kind, 1, static (_, n) => n + 1);
        if (_messages.Count < MaxKeptMessages)
        {
            _messages.Enqueue(message);
        }
    }

    public RunSummary AddTo(RunSummary summary) => summary
        .Add("errors", Count)
        .Add("errors_by_kind", new SortedDictionary<string, long>(_byKind));

    public string[] Messages => [.. _messages];
}
