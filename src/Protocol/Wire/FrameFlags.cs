namespace RawFrames.Protocol.Wire;

/// <summary>PROTOCOL.md §6: the flags field of a frame header. Every bit not named here is reserved and must be zero.</summary>
[Flags]
internal enum FrameFlags : ushort
{
    None = 0,
    /// <summary>The metadata block is UTF-8 JSON.</summary>
    MetadataIsJson = 1 << 0,
    /// <summary>The raw payload holds N ≥ 1 images of the header's geometry one after another (PROTOCOL.md §6, §7.2): a batch.</summary>
    Batch = 1 << 1,
}
