using RawFrames.Client.Nats;

namespace RawFrames.Client;

/// <summary>
/// A NATS subject on a server (PROTOCOL.md §19): <c>nats://[USER:PASSWORD@|TOKEN@]HOST:PORT/SUBJECT</c>, or
/// <c>nats+tls://</c>. A publisher's frames go under <c>SUBJECT.STREAM.CODEC</c>; a subscriber's subject may hold
/// wildcards, and one without is taken as <c>SUBJECT.&gt;</c>.
/// </summary>
public sealed class NatsEndpoint : Endpoint
{
    internal NatsEndpoint(NatsAddress address)
        : base(address.Endpoint, address.Text)
    {
        Address = address;
    }

    /// <summary>The <c>nats://</c> or <c>nats+tls://</c> endpoint <paramref name="text"/> names.</summary>
    /// <exception cref="FormatException">Not one, in words.</exception>
    public static new NatsEndpoint Parse(string text) => new(NatsAddress.Parse(text));

    /// <summary><paramref name="text"/> starts with <c>nats://</c> or <c>nats+tls://</c>.</summary>
    public static bool IsNats(string text) => NatsAddress.IsNats(text);

    /// <summary>The server, as <c>nats://HOST:PORT</c>.</summary>
    public string Server => Address.ServerUrl;

    /// <summary>The subject as written.</summary>
    public string Subject => Address.Subject;

    /// <summary>What a subscriber subscribes to: the subject when it has a wildcard, else everything under it.</summary>
    public string SubscriptionSubject => Address.SubscriptionSubject;

    internal NatsAddress Address { get; }
}
