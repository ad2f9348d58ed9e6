using System.Globalization;
using Microsoft.Extensions.Logging;

namespace RawFrames.Programs;

/// <summary>
/// Timestamped lines on stderr ("[recv] 14:12:29.992 message"), so stdout stays free for the JSON summary: the
/// program's own lines, and through <see cref="Factory"/>, the logger factory the library is given, the library's.
/// </summary>
public sealed class Log
{
    private readonly string _program;
    private readonly TextWriter _output;

    public Log(string program, TextWriter? output = null)
    {
        _program = program;
        _output = output ?? Console.Error;
        Factory = new LinesFactory(this);
    }

    /// <summary>For the library: its lines come out here, in the same form.</summary>
    public ILoggerFactory Factory { get; }

    public void Info(string message) =>
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_program}] {DateTime.Now:HH:mm:ss.fff} {message}"));

    private sealed class LinesFactory(Log log) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Lines(log);

        public void AddProvider(ILoggerProvider provider)
        {
            // One destination: the program's stderr.
        }

        public void Dispose()
        {
        }
    }

    private sealed class Lines(Log log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Info(formatter(state, exception));
            }
        }
    }
}
