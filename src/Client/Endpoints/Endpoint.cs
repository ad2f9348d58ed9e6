using RawFrames.Client.Nats;
using RawFrames.Protocol.Transport;

namespace RawFrames.Client;

/// <summary>
/// Where frames go or come from, as <see cref="FrameSender.ConnectAsync"/>, <see cref="FrameReceiver.ListenAsync"/>,
/// <see cref="FrameReceiver.SubscribeAsync"/> and the programs take it: a <see cref="SocketEndpoint"/>
/// (<c>tcp://</c>, <c>unix://</c>, <c>shm://</c>) or a <see cref="NatsEndpoint"/> (<c>nats://</c>, <c>nats+tls://</c>).
/// Parse one to check a user's text before connecting, with an error in words.
/// </summary>
public abstract class Endpoint
{
    private protected Endpoint(string text, string display)
    {
        Text = text;
        Display = display;
    }

    /// <summary>The endpoint as written, credentials included: what the connecting methods take.</summary>
    public string Text { get; }

    /// <summary>The endpoint to show or log: as written, with a password or token replaced by <c>***</c>.</summary>
    public string Display { get; }

    /// <summary>The endpoint <paramref name="text"/> names.</summary>
    /// <exception cref="FormatException">Not an endpoint; the message says what is wrong and which forms there are.</exception>
    public static Endpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return NatsAddress.IsNats(text) ? new NatsEndpoint(NatsAddress.Parse(text)) : new SocketEndpoint(FrameEndpoint.Parse(text));
    }

    /// <inheritdoc cref="Display"/>
    public override string ToString() => Display;
}
