namespace RawFrames.Client;

/// <summary>What a subscriber does with frames it cannot take as fast as they come (PROTOCOL.md §16).</summary>
public enum DeliveryPolicy : byte
{
    /// <summary>Every frame, through a bounded queue.</summary>
    Lossless = 0,

    /// <summary>Only the newest frame; older ones not yet sent are dropped and counted.</summary>
    Latest = 1,
}
