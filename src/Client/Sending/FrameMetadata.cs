using System.Text.Json;
using RawFrames.Protocol.Wire;

namespace RawFrames.Client;

/// <summary>PROTOCOL.md §6, flag bit 0: metadata that is JSON says so, for the receiving application.</summary>
public static class FrameMetadata
{
    /// <summary>Whether <paramref name="metadata"/> is one JSON object or array (what <see cref="FrameInfo.MetadataIsJson"/> should say); checked without allocating.</summary>
    public static bool IsJson(ReadOnlySpan<byte> metadata) => Flags(metadata) == FrameFlags.MetadataIsJson;

    /// <summary><see cref="FrameFlags.MetadataIsJson"/> when the bytes are one JSON object or array.</summary>
    internal static FrameFlags Flags(ReadOnlySpan<byte> metadata)
    {
        ReadOnlySpan<byte> text = metadata.TrimStart(" \t\r\n"u8);
        if (text.IsEmpty || (text[0] != (byte)'{' && text[0] != (byte)'['))
        {
            return FrameFlags.None;
        }

        try
        {
            var reader = new Utf8JsonReader(metadata);
            while (reader.Read())
            {
            }

            return FrameFlags.MetadataIsJson;
        }
        catch (JsonException)
        {
            return FrameFlags.None;
        }
    }
}
