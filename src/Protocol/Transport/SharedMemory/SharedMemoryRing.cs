using System.Globalization;
using System.IO.MemoryMappedFiles;
using RawFrames.Client;
using RawFrames.Protocol.Wire;

namespace RawFrames.Protocol.Transport.SharedMemory;

/// <summary>
/// A ring file under /dev/shm mapped into this process (PROTOCOL.md §15): created and written by the producer,
/// mapped read-only and unlinked by the consumer. Either side's mapping outlives the other side's crash, and the
/// file's name is gone as soon as both have it mapped, so a crash leaves no file behind.
/// </summary>
internal sealed unsafe class SharedMemoryRing : IDisposable
{
    private static int s_created;
    private static int s_staleRemoved;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly SlotMemory[] _slots;
    private readonly bool _owner;
    private int _disposed;

    private SharedMemoryRing(RingAnnouncement announcement, MemoryMappedFile file, MemoryMappedViewAccessor view, bool owner)
    {
        Announcement = announcement;
        _file = file;
        _view = view;
        _owner = owner;
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        start += view.PointerOffset;
        _slots = new SlotMemory[announcement.SlotCount];
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new SlotMemory(start + ((long)i * announcement.SlotSize), announcement.SlotSize);
        }
    }

    public RingAnnouncement Announcement { get; }

    public int SlotCount => _slots.Length;

    public int SlotSize => Announcement.SlotSize;

    /// <summary>The whole of slot <paramref name="slot"/>; valid until this ring is disposed.</summary>
    public Memory<byte> Slot(int slot) => _slots[slot].Memory;

    /// <summary>
    /// Producer: creates a ring file with room reserved for every slot up front (a full /dev/shm fails here with an
    /// IOException, never later with SIGBUS on a write into the mapping), readable and writable by this user only.
    /// </summary>
    public static SharedMemoryRing Create(int slotCount, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotCount, RingAnnouncement.MaxSlots);
        if (slotSize <= 0 || slotSize % RingAnnouncement.SlotAlignment != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slotSize), slotSize, $"a positive multiple of {RingAnnouncement.SlotAlignment}");
        }

        RemoveStaleRingsOnce();
        string path = string.Create(CultureInfo.InvariantCulture,
            $"{RingAnnouncement.Directory}{RingAnnouncement.NamePrefix}{Environment.ProcessId}-{Interlocked.Increment(ref s_created)}-{Random.Shared.Next():x8}");
        var announcement = new RingAnnouncement(slotCount, slotSize, path);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
            PreallocationSize = announcement.FileSize,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        FileStream stream = new(path, options);
        try
        {
            stream.SetLength(announcement.FileSize);
            MemoryMappedFile file = MemoryMappedFile.CreateFromFile(stream, null, announcement.FileSize, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            return new SharedMemoryRing(announcement, file, file.CreateViewAccessor(0, announcement.FileSize, MemoryMappedFileAccess.ReadWrite), owner: true);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Consumer: maps an announced ring read-only and unlinks its name. Throws <see cref="ProtocolException"/>
    /// (MalformedMessage) when the file is missing, is a symbolic link, or is shorter than the ring.
    /// </summary>
    public static SharedMemoryRing Open(RingAnnouncement announcement)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        FileStream? stream = null;
        try
        {
            if (new FileInfo(announcement.Path).LinkTarget is not null)
            {
                throw new ProtocolException(ErrorCode.MalformedMessage, $"the ring {announcement.Path} is a symbolic link");
            }

            stream = new FileStream(announcement.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < announcement.FileSize)
            {
                throw new ProtocolException(ErrorCode.MalformedMessage,
                    $"the ring {announcement.Path} holds {stream.Length} bytes; {announcement.SlotCount} slots of {announcement.SlotSize} need {announcement.FileSize}");
            }

            MemoryMappedFile file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            stream = null;
            var ring = new SharedMemoryRing(announcement, file, file.CreateViewAccessor(0, announcement.FileSize, MemoryMappedFileAccess.Read), owner: false);
            File.Delete(announcement.Path); // mapped: the name is no longer needed by anyone
            return ring;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProtocolException(ErrorCode.MalformedMessage, $"cannot map the ring {announcement.Path}: {e.Message}");
        }
        finally
        {
            stream?.Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        if (_owner)
        {
            File.Delete(Announcement.Path); // when the consumer never mapped it
        }
    }

    // Rings whose producer died before its consumer mapped them: the producer's process id is in the name.
    private static void RemoveStaleRingsOnce()
    {
        if (Interlocked.Exchange(ref s_staleRemoved, 1) != 0 || !Directory.Exists(RingAnnouncement.Directory))
        {
            return;
        }

        foreach (string path in Directory.EnumerateFiles(RingAnnouncement.Directory, RingAnnouncement.NamePrefix + "*"))
        {
            string name = Path.GetFileName(path)[RingAnnouncement.NamePrefix.Length..];
            int dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another user's, or already gone.
                }
            }
        }
    }
}
