namespace RawFrames.Tests.Support;

/// <summary>
/// The two test tiers. A test that starts a program, a server (nats-server) or a browser carries
/// <c>[Trait(Tier.Category, Tier.Process)]</c>; <c>scripts/test.sh --fast</c> runs the others
/// (<c>dotnet test --filter "Category!=Process"</c>), and <c>scripts/test.sh</c> runs all.
/// </summary>
internal static class Tier
{
    public const string Category = "Category";

    public const string Process = "Process";
}
