"""PROTOCOL.md §15 as a producer: a ring file under /dev/shm that frames are written into, one slot per frame in
flight, each slot free again when the consumer's RELEASE for it arrives."""

import mmap
import os
import secrets

from .wire import MAX_SLOTS, RING_FIXED, RING_PREFIX, SLOT_ALIGNMENT, ErrorCode, ProtocolError

_created = 0


class RingWriter:
    """The producer's ring: created exclusively (mode 0600) with its whole size reserved, so that a full /dev/shm
    fails here and not later with SIGBUS; its name is unlinked by the consumer once mapped, or by close()."""

    def __init__(self, slots, slot_size):
        global _created
        if not 1 <= slots <= MAX_SLOTS or slot_size <= 0 or slot_size % SLOT_ALIGNMENT:
            raise ValueError(f"{slots} slots of {slot_size} bytes: 1 to {MAX_SLOTS} slots, a multiple of {SLOT_ALIGNMENT} bytes each")
        _created += 1
        self.path = f"{RING_PREFIX}{os.getpid()}-{_created}-{secrets.token_hex(4)}"
        self.slots, self.slot_size = slots, slot_size
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.posix_fallocate(fd, 0, slots * slot_size)
            self._map = mmap.mmap(fd, slots * slot_size)
        except OSError:
            os.unlink(self.path)
            raise
        finally:
            os.close(fd)
        self._view = memoryview(self._map)
        self._free = list(range(slots - 1, -1, -1))  # the most recently released slot is reused first
        self._held = set()

    def announcement(self):
        """RING's body (§15.2)."""
        return RING_FIXED.pack(self.slots, 0, self.slot_size) + self.path.encode()

    def rent(self):
        """A free slot, or None when the consumer holds every one."""
        if not self._free:
            return None
        slot = self._free.pop()
        self._held.add(slot)
        return slot

    def write(self, slot, payload):
        start = slot * self.slot_size
        self._view[start:start + len(payload)] = payload

    def release(self, slot):
        """The consumer's RELEASE; one for a slot that holds no frame is its protocol error."""
        if slot not in self._held:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"RELEASE of slot {slot}, which holds no frame")
        self._held.discard(slot)
        self._free.append(slot)

    def close(self):
        try:
            os.unlink(self.path)  # a consumer that never mapped it
        except FileNotFoundError:
            pass
        self._view.release()
        self._map.close()
