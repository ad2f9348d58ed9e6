"""Recordings (PROTOCOL.md §18): what rawframes-recv --record and rawframes-relay --record write, read here with mmap.
Frames are the same Frame objects a receiver yields, their numpy views looking straight into the mapped file."""

import mmap
import os
import struct

from .frame import Frame
from .wire import FRAME_HEADER_SIZE, MESSAGE_HEADER, MESSAGE_HEADER_SIZE, RESULT_HEADER, FrameHeader, MessageType, ProtocolError

FILE_HEADER = struct.Struct("<4sHHq")  # magic, version, reserved, created (ns) / covered bytes (index)
INDEX_ENTRY = struct.Struct("<QIIQq")  # offset, stream id, reserved, sequence, timestamp
VERSION = 1


class Recording:
    """One recording file, mapped read-only. `len(recording)` frames; iterate for Frames in file order; `seek_time` and
    `seek_sequence` give the position to iterate from (`recording.frames(position)`); `results` holds the RESULTs
    (stream id, sequence, is_json, bytes). A file cut while recording reads up to its last whole message
    (`truncated_bytes` says how much was left over)."""

    def __init__(self, path):
        self.path = str(path)
        self._file = open(self.path, "rb")
        size = os.fstat(self._file.fileno()).st_size
        if size < FILE_HEADER.size:
            raise ValueError(f"{self.path} is not a RawFrames recording: it is {size} bytes long")
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        magic, version, _, self.created_ns = FILE_HEADER.unpack_from(self._map)
        if magic != b"RFRC":
            raise ValueError(f"{self.path} is not a RawFrames recording: it does not start with \"RFRC\"")
        if version != VERSION:
            raise ValueError(f"{self.path} is a recording of version {version}; this reader knows version {VERSION}")
        self.index, self.results, self.whole_length = self._scan(self._trusted_index(size))
        self.truncated_bytes = size - self.whole_length

    def __len__(self):
        return len(self.index)

    def __iter__(self):
        return self.frames()

    def frames(self, position=0):
        """Frames from index position `position` on; each Frame's views are valid until the recording is closed."""
        view = memoryview(self._map)
        for offset, *_ in self.index[position:]:
            length, kind = MESSAGE_HEADER.unpack_from(self._map, offset)
            body = offset + MESSAGE_HEADER_SIZE
            header = FrameHeader.parse(view[body:body + FRAME_HEADER_SIZE], length - 4)
            metadata = view[body + FRAME_HEADER_SIZE:body + FRAME_HEADER_SIZE + header.metadata_length]
            payload = view[body + header.payload_offset:body + header.payload_offset + header.payload_length]
            yield Frame(header, metadata, payload)

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

    def _trusted_index(self, size):
        """The index file's entries when its last one names a whole frame with the same fields; else none (rebuild)."""
        index_path = os.path.splitext(self.path)[0] + ".rfidx"
        try:
            data = open(index_path, "rb").read()
        except OSError:
            return []
        if len(data) < FILE_HEADER.size or data[:4] != b"RFIX":
            return []
        entries = [INDEX_ENTRY.unpack_from(data, at) for at in range(FILE_HEADER.size, len(data) - INDEX_ENTRY.size + 1, INDEX_ENTRY.size)]
        entries = [(offset, stream, reserved, sequence, timestamp) for offset, stream, reserved, sequence, timestamp in entries]
        if not entries:
            return []
        offset, stream, _, sequence, timestamp = entries[-1]
        if offset + MESSAGE_HEADER_SIZE + FRAME_HEADER_SIZE > size:
            return []
        length, kind = MESSAGE_HEADER.unpack_from(self._map, offset)
        fields = struct.unpack_from("<4xI16xQq", self._map, offset + MESSAGE_HEADER_SIZE)
        if kind != MessageType.FRAME or offset + 4 + length > size or fields != (stream, sequence, timestamp):
            return []
        return entries

    def _scan(self, index):
        """Index entries for the frames after the trusted ones, the RESULTs, and where the whole messages end."""
        size = len(self._map)
        position = FILE_HEADER.size
        if index:
            length, _ = MESSAGE_HEADER.unpack_from(self._map, index[-1][0])
            position = index[-1][0] + 4 + length
        index, results = list(index), []
        view = memoryview(self._map)
        while position + MESSAGE_HEADER_SIZE <= size:
            length, kind = MESSAGE_HEADER.unpack_from(self._map, position)
            if length == 0 and kind == 0:
                break  # zeros where a message should be: unwritten data after a power cut
            if length < 4 or kind >> 8:
                raise ValueError(f"{self.path}: the message at byte {position} has a bad header; the recording is damaged there")
            end = position + 4 + length
            if end > size:
                break  # an unfinished message: the recorder stopped while writing it
            body = position + MESSAGE_HEADER_SIZE
            if kind & 0xFF == MessageType.FRAME:
                try:
                    header = FrameHeader.parse(view[body:body + FRAME_HEADER_SIZE], length - 4)
                except ProtocolError as error:
                    raise ValueError(f"{self.path}: the frame at byte {position} is not valid: {error}") from None
                index.append((position, header.stream_id, 0, header.sequence, header.timestamp_ns))
            elif kind & 0xFF == MessageType.RESULT:
                stream_id, flags, sequence = RESULT_HEADER.unpack_from(self._map, body)
                results.append((stream_id, sequence, bool(flags & 1), bytes(view[body + RESULT_HEADER.size:end])))
            position = end
        return index, results, position


def open_recording(path):
    """A Recording (use it in a `with` block, or close it)."""
    return Recording(path)
