namespace RawFrames.Conformance;

/// <summary>How one case went: passed, failed (with what was wrong) or skipped (with why it does not apply).</summary>
internal sealed record CaseResult(string Name, CaseVerdict Verdict, string Detail)
{
    public static CaseResult Pass(string name, string detail) => new(name, CaseVerdict.Passed, detail);

    public static CaseResult Fail(string name, string detail) => new(name, CaseVerdict.Failed, detail);

    public static CaseResult Skip(string name, string detail) => new(name, CaseVerdict.Skipped, detail);
}

internal enum CaseVerdict
{
    Passed,
    Failed,
    Skipped,
}
