using System.Text;
using RawFrames.Client;

namespace RawFrames.Programs.Security;

/// <summary>
/// The shared token both programs read: from a file (<c>--token-file</c>; a trailing newline is dropped) or from the
/// environment variable <c>RAWFRAMES_TOKEN</c>, never from the command line, where every user of the host could read
/// it in the process list.
/// </summary>
public static class SharedToken
{
    public const string EnvironmentVariable = "RAWFRAMES_TOKEN";

    /// <summary>The token, or null when neither the file nor the variable gives one.</summary>
    public static ReadOnlyMemory<byte>? Load(string? path)
    {
        byte[]? token = path is not null ? ReadFile(path)
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } text ? Encoding.UTF8.GetBytes(text)
            : null;
        if (token is null)
        {
            return null;
        }

        return token.Length is 0 or > FrameSenderOptions.MaxTokenBytes
            ? throw new FormatException($"the token must be 1 to {FrameSenderOptions.MaxTokenBytes} bytes; it is {token.Length}")
            : token;
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return Encoding.UTF8.GetBytes(File.ReadAllText(path).TrimEnd('\r', '\n'));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"--token-file {path}: {e.Message}");
        }
    }
}
