using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawFrames.Client;

/// <summary>
/// TLS around a connection (PROTOCOL.md §14): the whole byte stream, preamble included, runs inside it. The accepting
/// side presents a certificate; the connecting side either pins that certificate's SHA-256 fingerprint (for
/// self-signed certificates on a LAN) or validates it against the system's trusted roots and the host name.
/// </summary>
public sealed record TlsOptions
{
    /// <summary>Accepting side: the certificate, with its private key.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Connecting side: the SHA-256 of the certificate to accept (hex, colons allowed); null: the system's trust store.</summary>
    public string? PinnedSha256 { get; init; }

    /// <summary>Loads a certificate and key: one PEM file with both, a PEM certificate plus a key file, or a PKCS#12 file.</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath, string? keyPath = null)
    {
        if (Path.GetExtension(certificatePath) is ".pfx" or ".p12")
        {
            return X509CertificateLoader.LoadPkcs12FromFile(certificatePath, null);
        }

        using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath ?? certificatePath);
        // Re-imported so that the key is usable by SslStream on every platform (PEM keys are ephemeral otherwise).
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The SHA-256 fingerprint a connector pins: 64 hex digits.</summary>
    public static string Fingerprint(X509Certificate certificate) => Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));

    internal SslClientAuthenticationOptions ForClient(string host) => new()
    {
        TargetHost = host,
        RemoteCertificateValidationCallback = PinnedSha256 is null
            ? null
            : (_, certificate, _, _) => certificate is not null && string.Equals(Fingerprint(certificate), Normalize(PinnedSha256), StringComparison.OrdinalIgnoreCase),
    };

    internal SslServerAuthenticationOptions ForServer() => new()
    {
        ServerCertificate = Certificate ?? throw new InvalidOperationException("TLS on the accepting side needs a certificate"),
    };

    private static string Normalize(string fingerprint) => fingerprint.Replace(":", "", StringComparison.Ordinal).Trim();
}
