"""Recordings (PROTOCOL.md §18): what rawframes-recv --record and rawframes-relay --record write, read here with mmap.
Frames are the same Frame objects a receiver yields, their numpy views looking straight into the mapped file."""

import mmap
import os
import struct

from .frame import Frame
from .wire import (FRAME_HEADER_SIZE, MESSAGE_HEADER, MESSAGE_HEADER_SIZE, RESULT_HEADER, FrameHeader, MessageType, ProtocolError,
                   error_name)

FILE_HEADER = struct.Struct("<4sHHq")  # magic, version, reserved, created (ns) / covered bytes (index)
INDEX_ENTRY = struct.Struct("<QIIQq")  # offset, stream id, reserved, sequence, timestamp
VERSION = 1
MAX_LENGTH = 1 << 30  # the largest message length a reader takes (the reference's largest maximum)


class Recording:
    """One recording file, mapped read-only. `len(recording)` frames; iterate for Frames in file order; `seek_time` and
    `seek_sequence` give the position to iterate from (`recording.frames(position)`); `results` holds the RESULTs
    (stream id, sequence, is_json, bytes). A file cut while recording reads up to its last whole message
    (`truncated_bytes` says how much was left over). A damaged file (PROTOCOL.md §18) reads up to the damage, then
    iterating raises ValueError with `damage`, which names the offset and what is wrong."""

    def __init__(self, path):
        self.path = str(path)
        self._file = open(self.path, "rb")
        size = os.fstat(self._file.fileno()).st_size
        if size < FILE_HEADER.size:
            raise ValueError(f"{self.path} is not a RawFrames recording: it is {size} bytes long")
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        magic, version, reserved, self.created_ns = FILE_HEADER.unpack_from(self._map)
        if magic != b"RFRC":
            raise ValueError(f"{self.path} is not a RawFrames recording: it does not start with \"RFRC\"")
        if version != VERSION:
            raise ValueError(f"{self.path} is a recording of version {version}; this reader knows version {VERSION}")
        if reserved:
            raise ValueError(f"{self.path} is not a valid RawFrames recording: its reserved bytes 6-7 are not zero")
        self.damage = None
        self.index, self.results, self.whole_length = self._scan(*self._index_file(size))
        self.truncated_bytes = 0 if self.damage else size - self.whole_length

    def __len__(self):
        return len(self.index)

    def __iter__(self):
        return self.frames()

    def frames(self, position=0):
        """Frames from index position `position` on; each Frame's views are valid until the recording is closed. A
        damaged file raises ValueError (`damage`) after the last frame before the damage."""
        view = memoryview(self._map)
        for offset, *_ in self.index[position:]:
            length, kind = MESSAGE_HEADER.unpack_from(self._map, offset)
            body = offset + MESSAGE_HEADER_SIZE
            try:
                if kind != MessageType.FRAME or body + length - 4 > self.whole_length:
                    raise ValueError(self._damaged(offset, "its index names a FRAME there that the file does not hold as recorded"))
                header = self._frame_header(view, offset, length)
            except ValueError as error:
                self.damage = str(error)  # found on the way: a trusted index skipped the scan of this part
                raise
            metadata = view[body + FRAME_HEADER_SIZE:body + FRAME_HEADER_SIZE + header.metadata_length]
            payload = view[body + header.payload_offset:body + header.payload_offset + header.payload_length]
            yield Frame(header, metadata, payload)
        if self.damage:
            raise ValueError(self.damage)

    def seek_time(self, timestamp_ns):
        """The position of the first frame whose timestamp is at or after `timestamp_ns` (len(self) when none is)."""
        return next((i for i, entry in enumerate(self.index) if entry[4] >= timestamp_ns), len(self.index))

    def seek_sequence(self, stream_id, sequence):
        """The position of the first frame of `stream_id` whose sequence number is at or after `sequence`."""
        return next((i for i, entry in enumerate(self.index) if entry[1] == stream_id and entry[3] >= sequence), len(self.index))

    def close(self):
        try:
            self._map.close()
        except BufferError:
            pass  # frames still viewing the map keep it alive; it is unmapped when the last one goes
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _index_file(self, size):
        """(entries, closed whole, damaged entry): the index file's entries when its last one names a whole frame with
        the same fields, else none (rebuilt, never an error); closed whole when the index says the recorder closed the
        file at exactly its length (then nothing in it can be unfinished, and a last entry that names no such frame is
        damage: its offset)."""
        index_path = os.path.splitext(self.path)[0] + ".rfidx"
        try:
            data = open(index_path, "rb").read()
        except OSError:
            return [], False, None
        if len(data) < FILE_HEADER.size:
            return [], False, None
        magic, version, reserved, closed_length = FILE_HEADER.unpack_from(data)
        if magic != b"RFIX" or version != VERSION or reserved:
            return [], False, None
        closed_whole = closed_length == size
        entries = [INDEX_ENTRY.unpack_from(data, at) for at in range(FILE_HEADER.size, len(data) - INDEX_ENTRY.size + 1, INDEX_ENTRY.size)]
        previous = 0
        for offset, _, reserved, _, _ in entries:
            if offset <= previous or offset + MESSAGE_HEADER_SIZE + FRAME_HEADER_SIZE > size or reserved:
                return [], closed_whole, None
            previous = offset
        if not entries:
            return [], closed_whole, None
        offset, stream, _, sequence, timestamp = entries[-1]
        length, kind = MESSAGE_HEADER.unpack_from(self._map, offset)
        fields = struct.unpack_from("<4xI16xQq", self._map, offset + MESSAGE_HEADER_SIZE)
        if kind != MessageType.FRAME or offset + 4 + length > size or fields != (stream, sequence, timestamp) or not self._valid_frame(offset, length):
            return (entries[:-1], closed_whole, offset) if closed_whole else ([], False, None)
        return entries, closed_whole, None

    def _valid_frame(self, offset, length):
        try:
            FrameHeader.parse(memoryview(self._map)[offset + MESSAGE_HEADER_SIZE:offset + MESSAGE_HEADER_SIZE + FRAME_HEADER_SIZE], length - 4)
            return True
        except ProtocolError:
            return False

    def _scan(self, trusted, closed_whole, damaged_entry):
        """Every message's header from byte 16 (a walk over headers and frame headers only, cheap on the map): the
        frames' index, the RESULTs, and where the whole messages end, or the damage starts (which sets `damage`).
        The index file only says whether the recorder closed the file whole and which offsets hold FRAMEs."""
        view = memoryview(self._map)
        size = damaged_entry if damaged_entry is not None else len(self._map)
        framed = {entry[0] for entry in trusted}
        index, results, position = [], [], FILE_HEADER.size
        while position < size:
            if size - position < MESSAGE_HEADER_SIZE:
                if closed_whole:
                    self.damage = self._damaged(position, f"the file ends {size - position} bytes into a message header, though its index says the recorder closed it whole")
                break
            length, kind = MESSAGE_HEADER.unpack_from(self._map, position)
            if length == 0 and kind == 0:
                # Zeros where a message should be: unwritten data after a power cut, if nothing but zeros follows.
                if self._map[position:size].strip(b"\0"):
                    self.damage = self._damaged(position, "8 zero bytes where a message header should be, and data after them")
                break
            fault = ("its length, %d, is below 4 (MalformedMessage)" % length if length < 4
                     else "its length, %d, is above the %d bytes a reader takes (MessageTooLarge)" % (length, MAX_LENGTH) if length > MAX_LENGTH
                     else "its reserved bytes 5-7 are not zero (ReservedBitSet)" if kind >> 8 else None)
            if fault:
                self.damage = self._damaged(position, f"the message header is not valid: {fault}")
                break
            end = position + 4 + length
            if end > size:
                if closed_whole:
                    self.damage = self._damaged(position, f"a message of {length + 4} bytes runs past the end of the file, though its index says the recorder closed it whole")
                break  # otherwise an unfinished message: the recorder stopped while writing it
            body = position + MESSAGE_HEADER_SIZE
            if position in framed and kind & 0xFF != MessageType.FRAME:
                self.damage = self._damaged(position, "its index names a FRAME there that the file does not hold as recorded")
                break
            if kind & 0xFF == MessageType.FRAME:
                try:
                    header = self._frame_header(view, position, length)
                except ValueError as error:
                    self.damage = str(error)
                    break
                index.append((position, header.stream_id, 0, header.sequence, header.timestamp_ns))
            elif kind & 0xFF == MessageType.RESULT:
                if length - 4 < RESULT_HEADER.size or struct.unpack_from("<I", self._map, body + 4)[0] & ~1:
                    self.damage = self._damaged(position, "the RESULT is not valid: too short, or reserved flag bits set (MalformedMessage, ReservedBitSet)")
                    break
                results.append(self._result(view, position, length))
            position = end
        if damaged_entry is not None and self.damage is None:
            self.damage = self._damaged(damaged_entry, "its index names a FRAME there that the file does not hold as recorded")
        return index, results, position

    def _result(self, view, position, length):
        body = position + MESSAGE_HEADER_SIZE
        stream_id, flags, sequence = RESULT_HEADER.unpack_from(self._map, body)
        return stream_id, sequence, bool(flags & 1), bytes(view[body + RESULT_HEADER.size:position + 4 + length])

    def _frame_header(self, view, offset, length):
        """A recorded FRAME's header by §6.1 (model inputs allowed: a recorder keeps only what its connection took)."""
        body = offset + MESSAGE_HEADER_SIZE
        try:
            return FrameHeader.parse(view[body:body + FRAME_HEADER_SIZE], length - 4)
        except ProtocolError as error:
            raise ValueError(self._damaged(offset, f"the FRAME is not valid: {error.reason} ({error_name(error.code)})")) from None

    def _damaged(self, offset, what):
        return f"{self.path} is damaged at byte {offset}: {what}; the frames before it are read, nothing after it"


def open_recording(path):
    """A Recording (use it in a `with` block, or close it)."""
    return Recording(path)
