using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.NKeys;
using RawFrames.Protocol.Wire;
using RawFrames.Protocol;

namespace RawFrames.Client.Nats;

/// <summary>One way to open a NATS connection for frames: credentials from the address, reconnecting forever once up, and the first connect retried with the session layer's backoff.</summary>
internal static partial class NatsConnecting
{
    /// <param name="loggers">Where this side's lines go: NATS.Net's own chatter is left out (connect, server info);
    /// losing and regaining the server are logged here in one line each.</param>
    public static async Task<NatsConnection> ConnectAsync(NatsAddress address, string name, TimeSpan connectTimeout, ILoggerFactory? loggers,
        CancellationToken cancellationToken, NatsOpts? extra = null)
    {
        ILogger log = (loggers ?? NullLoggerFactory.Instance).CreateLogger("nats");
        using KeyPair? nkey = address.NKeyFile is { } file ? await ReadSeedAsync(address, file, cancellationToken).ConfigureAwait(false) : null;
        NatsOpts opts = (extra ?? NatsOpts.Default) with
        {
            Url = address.ServerUrl,
            Name = name,
            AuthOpts = new NatsAuthOpts
            {
                Username = address.User,
                Password = address.Password,
                Token = address.Token,
                // The seed alone is the usual NKey file (nk -gen user); the public key is derived from it.
                Seed = nkey?.GetSeed(),
                NKey = nkey?.GetPublicKey(),
                CredsFile = address.CredsFile,
            },
            TlsOpts = address.Tls ? new NatsTlsOpts { Mode = TlsMode.Require, CaFile = address.CaFile } : NatsTlsOpts.Default,
            // Frames are large messages: buffers that hold several whole ones mean fewer reads and writes per frame.
            ReaderBufferSize = 4 << 20,
            WriterBufferSize = 4 << 20,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(50),
            ReconnectWaitMax = TimeSpan.FromSeconds(1),
            LoggerFactory = NullLoggerFactory.Instance,
        };
        DateTime deadline = DateTime.UtcNow + connectTimeout;
        var backoff = new Backoff();
        while (true)
        {
            var nats = new NatsConnection(opts);
            try
            {
                await nats.ConnectAsync().ConfigureAwait(false);
                nats.ConnectionDisconnected += (_, _) =>
                {
                    Logged.Disconnected(log, address.ServerUrl);
                    return default;
                };
                nats.ConnectionOpened += (_, _) =>
                {
                    Logged.Reconnected(log, address.ServerUrl);
                    return default;
                };
                return nats;
            }
            catch (NatsException e)
            {
                await nats.DisposeAsync().ConfigureAwait(false);
                if (Refusal(e) is { } refusal)
                {
                    throw new ProtocolException(ErrorCode.Unauthorized, $"{address.Text}: the NATS server refused the credentials ({refusal}): check the user, password, token or NKey", e);
                }

                TimeSpan wait = backoff.Next();
                if (connectTimeout > TimeSpan.Zero && DateTime.UtcNow + wait > deadline)
                {
                    throw new ConnectFailedException($"{address.Text}: no NATS server took the connection ({Causes(e)}); is nats-server running there?", e);
                }

                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The line holding a user's seed (SU...), in a file of the seed alone or of the seed and its public key.
    private static async Task<KeyPair> ReadSeedAsync(NatsAddress address, string file, CancellationToken cancellationToken)
    {
        string[] lines = await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false);
        string? seed = lines.Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("SU", StringComparison.Ordinal));
        try
        {
            return seed is not null ? KeyPair.FromSeed(seed) : throw new NKeysException("no line starts with SU");
        }
        catch (Exception e) when (e is NKeysException or ArgumentException or FormatException)
        {
            throw new FormatException($"{address.Text}: {file} holds no user NKey seed ({e.Message}); write the seed nk -gen user printed (SU...)", e);
        }
    }

    // The server's "Authorization Violation", however deep NATS.Net wrapped it.
    private static string? Refusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e.Message.Contains("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                return e.Message;
            }
        }

        return null;
    }

    // NATS.Net wraps the cause (refused, TLS, unreachable) in "can not start to connect": say each, once.
    private static string Causes(Exception e)
    {
        var causes = new List<string>();
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            if (!causes.Contains(cause.Message))
            {
                causes.Add(cause.Message);
            }
        }

        return string.Join(": ", causes);
    }

    private static partial class Logged
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "lost the NATS server {Server}; connecting again")]
        public static partial void Disconnected(ILogger logger, string server);

        [LoggerMessage(Level = LogLevel.Information, Message = "connected to the NATS server {Server}")]
        public static partial void Reconnected(ILogger logger, string server);
    }
}
