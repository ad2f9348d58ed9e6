using System.Text.RegularExpressions;

namespace RawFrames.Client.Nats;

/// <summary>
/// A NATS endpoint as the programs write it (PROTOCOL.md §19): <c>nats://[USER:PASSWORD@|TOKEN@]HOST:PORT/SUBJECT</c>,
/// or <c>nats+tls://...</c> for TLS (the server's certificate checked against the system's roots, or against the CA
/// file given as <c>?ca=PATH</c>).
/// A publisher's SUBJECT is the base its frames go under (<c>SUBJECT.STREAM.CODEC</c>); a subscriber's may hold NATS
/// wildcards (<c>cams.*.0.jpeg</c>, <c>cams.&gt;</c>), and a subject without one is taken as <c>SUBJECT.&gt;</c>.
/// </summary>
internal sealed partial record NatsAddress(string ServerUrl, string Subject, string? User, string? Password, string? Token, string Text)
{
    /// <summary>The endpoint as written, credentials included.</summary>
    public string Endpoint { get; init; } = Text;

    /// <summary>TLS to the server is required.</summary>
    public bool Tls { get; init; }

    /// <summary>With TLS: a CA certificate file (PEM) the server's certificate must chain to; null: the system's roots.</summary>
    public string? CaFile { get; init; }

    public static bool IsNats(string endpoint) =>
        endpoint.StartsWith("nats://", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("nats+tls://", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="FormatException">Not of that form, in words.</exception>
    public static NatsAddress Parse(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Match match = Syntax().Match(endpoint);
        if (!match.Success)
        {
            throw new FormatException($"'{endpoint}' is not a NATS endpoint: write nats://HOST:PORT/SUBJECT (e.g. nats://127.0.0.1:4222/cams.door), with USER:PASSWORD@ or TOKEN@ before the host when the server requires them, nats+tls:// for TLS and ?ca=PATH for a private CA");
        }

        string subject = match.Groups["subject"].Value;
        if (subject.Split('.').Any(token => token.Length == 0) || subject.Contains(' ', StringComparison.Ordinal))
        {
            throw new FormatException($"'{endpoint}': '{subject}' is not a NATS subject (tokens separated by dots, none empty, no spaces)");
        }

        string? user = match.Groups["user"].Success ? Uri.UnescapeDataString(match.Groups["user"].Value) : null;
        string? password = match.Groups["password"].Success ? Uri.UnescapeDataString(match.Groups["password"].Value) : null;
        string shown = user is null ? endpoint : endpoint.Replace(match.Groups["credentials"].Value, "***@", StringComparison.Ordinal);
        string? ca = match.Groups["ca"].Success ? Uri.UnescapeDataString(match.Groups["ca"].Value) : null;
        if (ca is not null && !File.Exists(ca))
        {
            throw new FormatException($"'{endpoint}': no CA file {ca}");
        }

        return new NatsAddress($"nats://{match.Groups["host"].Value}:{match.Groups["port"].Value}", subject,
            password is null ? null : user, password, password is null ? user : null, shown)
        {
            Endpoint = endpoint,
            Tls = match.Groups["tls"].Success,
            CaFile = ca,
        };
    }

    /// <summary>The subscription subject: the subject as written when it has a wildcard, else everything under it.</summary>
    public string SubscriptionSubject => Subject.Split('.').Any(token => token is "*" or ">") ? Subject : Subject + ".>";

    [GeneratedRegex(@"^nats(?<tls>\+tls)?://(?<credentials>(?<user>[^:@/]+)(:(?<password>[^@/]*))?@)?(?<host>[^:/@]+):(?<port>\d{1,5})/(?<subject>[^/?]+)(\?ca=(?<ca>.+))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();
}
