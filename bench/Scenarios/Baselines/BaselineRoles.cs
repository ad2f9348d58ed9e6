using RawFrames.Programs.Stats;

namespace RawFrames.Bench.Scenarios.Baselines;

/// <summary>
/// Today's common ways of moving camera frames, redone in C# with the same JPEG codec as RawFrames so that only the
/// transport differs: JPEG as base64 inside JSON in an HTTP POST per frame (to a Kestrel endpoint), and MJPEG as
/// multipart/x-mixed-replace over one HTTP response (what Flask MJPEG servers and browsers do).
/// </summary>
internal static class BaselineRoles
{
    public const string PostSender = "http-post-send";
    public const string PostReceiver = "http-post-recv";
    public const string MjpegServer = "mjpeg-serve";
    public const string MjpegClient = "mjpeg-view";

    public static async Task<int> RunAsync(string[] args)
    {
        RoleArguments role = RoleArguments.Parse(args);
        var totals = new TransferTotals();
        await (role.Role switch
        {
            PostSender => HttpPostBaseline.SendAsync(role, totals),
            PostReceiver => HttpPostBaseline.ReceiveAsync(role, totals),
            MjpegServer => MjpegBaseline.ServeAsync(role, totals),
            MjpegClient => MjpegBaseline.ViewAsync(role, totals),
            _ => throw new ArgumentException($"unknown baseline role {role.Role}"),
        });

        // The same JSON fields as rawframes-send / rawframes-recv, so the runner reads every row the same way.
        RunSummary summary = totals.AddTo(new RunSummary())
            .Add("latency_ms_p50", totals.Latency.Count > 0 ? totals.Latency.PercentileMs(50) : null)
            .Add("latency_ms_p99", totals.Latency.Count > 0 ? totals.Latency.PercentileMs(99) : null);
        Console.Out.WriteLine(summary.ToJson());
        return 0;
    }
}
