namespace RawFrames.Tests.Support;

/// <summary>
/// Tests whose subject is what a slow peer must not hold up (stalled subscribers, a stuck viewer) count frames that
/// the other, healthy peers received meanwhile; on two cores shared with the rest of the suite those peers can be
/// starved into looking slow themselves. xunit runs this collection after the parallel ones, one test at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "runs alone";
}
