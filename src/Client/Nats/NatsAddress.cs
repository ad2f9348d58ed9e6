using System.Text.RegularExpressions;

namespace RawFrames.Client.Nats;

/// <summary>
/// A NATS endpoint as the programs write it (PROTOCOL.md §19): <c>nats://[USER:PASSWORD@|TOKEN@]HOST:PORT/SUBJECT</c>,
/// or <c>nats+tls://...</c> for TLS (the server's certificate checked against the system's roots, or against the CA
/// file given as <c>?ca=PATH</c>); an NKey seed file as <c>?nkey=PATH</c>, or a credentials file (JWT and seed) as
/// <c>?creds=PATH</c>, instead of a user or token.
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
            throw new FormatException($"'{endpoint}' is not a NATS endpoint: write nats://HOST:PORT/SUBJECT (e.g. nats://127.0.0.1:4222/cams.door), with USER:PASSWORD@ or TOKEN@ before the host, or ?nkey=PATH or ?creds=PATH after the subject, when the server requires them; nats+tls:// for TLS and ?ca=PATH for a private CA");
        }

        string subject = match.Groups["subject"].Value;
        if (subject.Split('.').Any(token => token.Length == 0) || subject.Contains(' ', StringComparison.Ordinal))
        {
            throw new FormatException($"'{endpoint}': '{subject}' is not a NATS subject (tokens separated by dots, none empty, no spaces)");
        }

        string? user = match.Groups["user"].Success ? Uri.UnescapeDataString(match.Groups["user"].Value) : null;
        string? password = match.Groups["password"].Success ? Uri.UnescapeDataString(match.Groups["password"].Value) : null;
        string shown = user is null ? endpoint : endpoint.Replace(match.Groups["credentials"].Value, "***@", StringComparison.Ordinal);
        Dictionary<string, string> files = Files(endpoint, match.Groups["query"].Value);
        if (files.ContainsKey("nkey") && (user is not null || files.ContainsKey("creds")))
        {
            throw new FormatException($"'{endpoint}': give one way to log in: USER:PASSWORD@ or TOKEN@, ?nkey=PATH, or ?creds=PATH");
        }

        return new NatsAddress($"nats://{match.Groups["host"].Value}:{match.Groups["port"].Value}", subject,
            password is null ? null : user, password, password is null ? user : null, shown)
        {
            Endpoint = endpoint,
            Tls = match.Groups["tls"].Success,
            CaFile = files.GetValueOrDefault("ca"),
            NKeyFile = files.GetValueOrDefault("nkey"),
            CredsFile = files.GetValueOrDefault("creds"),
        };
    }

    /// <summary>A file holding the NKey seed (<c>SU...</c>) the server knows this user by; null: none.</summary>
    public string? NKeyFile { get; init; }

    /// <summary>A NATS credentials file (a user JWT and its NKey seed, as nsc writes it); null: none.</summary>
    public string? CredsFile { get; init; }

    /// <summary>The subscription subject: the subject as written when it has a wildcard, else everything under it.</summary>
    public string SubscriptionSubject => Subject.Split('.').Any(token => token is "*" or ">") ? Subject : Subject + ".>";

    // ?ca=PATH&nkey=PATH&creds=PATH: each a file that must exist.
    private static Dictionary<string, string> Files(string endpoint, string query)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string key = equals > 0 ? pair[..equals] : pair;
            string path = equals > 0 ? Uri.UnescapeDataString(pair[(equals + 1)..]) : "";
            if (key is not ("ca" or "nkey" or "creds") || path.Length == 0)
            {
                throw new FormatException($"'{endpoint}': '{pair}' is not one of ?ca=PATH (a private CA), ?nkey=PATH (an NKey seed file) or ?creds=PATH (a credentials file)");
            }

            if (!File.Exists(path))
            {
                throw new FormatException($"'{endpoint}': no {(key == "ca" ? "CA" : key == "nkey" ? "NKey seed" : "credentials")} file {path}");
            }

            files[key] = path;
        }

        return files;
    }

    [GeneratedRegex(@"^nats(?<tls>\+tls)?://(?<credentials>(?<user>[^:@/]+)(:(?<password>[^@/]*))?@)?(?<host>[^:/@]+):(?<port>\d{1,5})/(?<subject>[^/?]+)(\?(?<query>.+))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();
}
