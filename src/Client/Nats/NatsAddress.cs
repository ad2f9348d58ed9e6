using System.Text.RegularExpressions;

namespace RawFrames.Client.Nats;

/// <summary>
/// A NATS endpoint as the programs write it (PROTOCOL.md §19): <c>nats://[USER:PASSWORD@|TOKEN@]HOST:PORT/SUBJECT</c>.
/// A publisher's SUBJECT is the base its frames go under (<c>SUBJECT.STREAM.CODEC</c>); a subscriber's may hold NATS
/// wildcards (<c>cams.*.0.jpeg</c>, <c>cams.&gt;</c>), and a subject without one is taken as <c>SUBJECT.&gt;</c>.
/// </summary>
internal sealed partial record NatsAddress(string ServerUrl, string Subject, string? User, string? Password, string? Token, string Text)
{
    public static bool IsNats(string endpoint) => endpoint.StartsWith("nats://", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="FormatException">Not of that form, in words.</exception>
    public static NatsAddress Parse(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Match match = Syntax().Match(endpoint);
        if (!match.Success)
        {
            throw new FormatException($"'{endpoint}' is not a NATS endpoint: write nats://HOST:PORT/SUBJECT (e.g. nats://127.0.0.1:4222/cams.door), with USER:PASSWORD@ or TOKEN@ before the host when the server requires them");
        }

        string subject = match.Groups["subject"].Value;
        if (subject.Split('.').Any(token => token.Length == 0) || subject.Contains(' ', StringComparison.Ordinal))
        {
            throw new FormatException($"'{endpoint}': '{subject}' is not a NATS subject (tokens separated by dots, none empty, no spaces)");
        }

        string? user = match.Groups["user"].Success ? Uri.UnescapeDataString(match.Groups["user"].Value) : null;
        string? password = match.Groups["password"].Success ? Uri.UnescapeDataString(match.Groups["password"].Value) : null;
        string shown = user is null ? endpoint : endpoint.Replace(match.Groups["credentials"].Value, "***@", StringComparison.Ordinal);
        return new NatsAddress($"nats://{match.Groups["host"].Value}:{match.Groups["port"].Value}", subject,
            password is null ? null : user, password, password is null ? user : null, shown);
    }

    /// <summary>The subscription subject: the subject as written when it has a wildcard, else everything under it.</summary>
    public string SubscriptionSubject => Subject.Split('.').Any(token => token is "*" or ">") ? Subject : Subject + ".>";

    [GeneratedRegex(@"^nats://(?<credentials>(?<user>[^:@/]+)(:(?<password>[^@/]*))?@)?(?<host>[^:/@]+):(?<port>\d{1,5})/(?<subject>[^/]+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();
}
