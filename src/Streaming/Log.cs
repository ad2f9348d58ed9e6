using System.Globalization;

namespace RawFrames.Streaming;

/// <summary>Timestamped lines on stderr, so stdout stays free for the JSON summary.</summary>
public sealed class Log(string program, TextWriter? output = null)
{
    private readonly TextWriter _output = output ?? Console.Error;

    public void Info(string message) =>
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{program}] {DateTime.Now:HH:mm:ss.fff} {message}"));
}
