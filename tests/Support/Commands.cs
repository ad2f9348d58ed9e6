using System.Diagnostics;

namespace RawFrames.Tests.Support;

/// <summary>Tools a test runs to make its inputs (ffmpeg making a clip): bounded, and failing the test with what the tool said.</summary>
public static class Commands
{
    public static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        process.ExitCode.Should().Be(0, $"{program} {string.Join(' ', arguments)}: {errors}");
    }
}
