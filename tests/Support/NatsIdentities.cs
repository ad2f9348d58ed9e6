using System.Text;
using System.Text.Json;
using NATS.NKeys;

namespace RawFrames.Tests.Support;

/// <summary>
/// NATS identities for servers that require them, made here with NATS.NKeys: a user NKey (the server knows its public
/// key, the client holds the seed), and an operator, account and user signed into JWTs (a credentials file, as nsc
/// writes one, for a server in operator mode with a memory resolver).
/// </summary>
internal static class NatsIdentities
{
    /// <summary>A user NKey: the seed file a client logs in with, and the server's authorization block naming its public key.</summary>
    public static async Task<(string SeedFile, string Settings)> NKeyUserAsync(string directory)
    {
        using KeyPair user = KeyPair.CreatePair(PrefixByte.User);
        string seedFile = Path.Combine(directory, "user.nk");
        await File.WriteAllTextAsync(seedFile, user.GetSeed() + "\n");
        return (seedFile, $"authorization {{ users: [ {{ nkey: {user.GetPublicKey()} }} ] }}");
    }

    /// <summary>An operator, an account it signed and a user the account signed: the user's credentials file and the server's operator settings.</summary>
    public static async Task<(string CredsFile, string Settings)> CredentialsAsync(string directory)
    {
        using KeyPair op = KeyPair.CreatePair(PrefixByte.Operator);
        using KeyPair account = KeyPair.CreatePair(PrefixByte.Account);
        using KeyPair user = KeyPair.CreatePair(PrefixByte.User);
        string operatorJwt = Jwt(op, op.GetPublicKey(), "rawframes-operator", new { type = "operator", version = 2 });
        string accountJwt = Jwt(op, account.GetPublicKey(), "rawframes-account", new
        {
            limits = new { subs = -1, data = -1, payload = -1, imports = -1, exports = -1, wildcards = true, conn = -1, leaf = -1 },
            type = "account",
            version = 2,
        });
        string userJwt = Jwt(account, user.GetPublicKey(), "rawframes-user", new { subs = -1, data = -1, payload = -1, type = "user", version = 2 });
        string creds = Path.Combine(directory, "user.creds");
        await File.WriteAllTextAsync(creds,
            $"-----BEGIN NATS USER JWT-----\n{userJwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n{user.GetSeed()}\n------END USER NKEY SEED------\n");
        string settings = $"operator: {operatorJwt}\nresolver: MEMORY\nresolver_preload: {{ {account.GetPublicKey()}: {accountJwt} }}";
        return (creds, settings);
    }

    // A NATS JWT: header and claims in base64url, signed with the issuer's Ed25519 key.
    private static string Jwt(KeyPair issuer, string subject, string name, object nats)
    {
        string header = Base64Url(Encoding.UTF8.GetBytes("""{"typ":"JWT","alg":"ed25519-nkey"}"""));
        var claims = new Dictionary<string, object>
        {
            ["jti"] = Guid.NewGuid().ToString("N").ToUpperInvariant(),
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["iss"] = issuer.GetPublicKey(),
            ["name"] = name,
            ["sub"] = subject,
            ["nats"] = nats,
        };
        string body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        byte[] signature = new byte[64];
        issuer.Sign(Encoding.ASCII.GetBytes($"{header}.{body}"), signature);
        return $"{header}.{body}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
