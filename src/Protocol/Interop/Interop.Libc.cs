using System.Runtime.InteropServices;

namespace RawFrames.Protocol.Interop;

/// <summary>
/// The one libc call the transports need: the type of a file, to tell a Unix socket left by a receiver that crashed
/// from a user's file at the same path (.NET's file APIs do not expose S_IFSOCK). <c>statx</c> has one struct layout on
/// every architecture, unlike <c>stat</c>.
/// </summary>
internal static partial class Libc
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int ModeOffset = 28; // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode
    private const int TypeMask = 0xF000;

    /// <summary>S_IFSOCK.</summary>
    public const int SocketType = 0xC000;

    /// <summary>The S_IFMT bits of <paramref name="path"/> itself (a symbolic link is not followed); null when it does not exist.</summary>
    public static unsafe int? FileType(string path)
    {
        byte* buffer = stackalloc byte[StatxSize];
        return Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) == 0 ? *(ushort*)(buffer + ModeOffset) & TypeMask : null;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
