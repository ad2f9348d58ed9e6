using System.Runtime.InteropServices;

namespace RawFrames.Protocol.Interop;

/// <summary>
/// The libc calls the transports need: the type of a file, to tell a Unix socket left by a receiver that crashed from
/// a user's file at the same path (.NET's file APIs do not expose S_IFSOCK; <c>statx</c> has one struct layout on every
/// architecture, unlike <c>stat</c>); and anonymous pages for frame buffers that go back to the system when freed
/// (<c>mmap</c>/<c>munmap</c>), which the GC heap does not promise.
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

    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MapPopulate = 0x8000;

    /// <summary>Private anonymous pages, faulted in at once (one call, not one fault per page); null when the system has none to give.</summary>
    public static unsafe void* MapPages(nuint length)
    {
        void* address = Mmap(null, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapPopulate, -1, 0);
        return address == (void*)-1 ? null : address;
    }

    /// <summary>Gives pages from <see cref="MapPages"/> back to the system.</summary>
    public static unsafe void UnmapPages(void* address, nuint length) => _ = Munmap(address, length);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static unsafe partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
