"""PROTOCOL.md §18, a reader's duties: a recording written here from the document with struct alone (six frames of
two streams, metadata on some, RESULTs between, an index that says the file was closed whole), then damaged at every
offset. Nothing before the damage is lost, and damage a reader can see is never silent."""

import struct

import pytest

from rawframes import open_recording

FILE_HEADER = struct.Struct("<4sHHq")
INDEX_ENTRY = struct.Struct("<QIIQq")


def message(kind, body):
    return struct.pack("<I", 4 + len(body)) + bytes([kind, 0, 0, 0]) + body


def write(path, frames=6):
    """The recording and its index, as a recorder that closed them writes them. Returns the FRAMEs' (start, end)."""
    data, entries, spans = FILE_HEADER.pack(b"RFRC", 1, 0, 42), [], []
    for k in range(frames):
        stream, sequence, timestamp = k % 2, (10 if k % 2 == 0 else 100) + k // 2, 1_000_000_000 + k * 1_000_000
        metadata = b'{"k":%d}' % k if k % 3 == 0 else b""
        header = struct.pack("<BBHIIIIIQq", 0, 4, 1 if metadata else 0, stream, 4, 2, 5, len(metadata), sequence, timestamp)
        body = header + metadata + bytes((8 - len(metadata) % 8) % 8) + bytes((k + i) % 256 for i in range(10))
        entries.append(INDEX_ENTRY.pack(len(data), stream, 0, sequence, timestamp))
        spans.append((len(data), len(data) + 8 + len(body)))
        data += message(2, body)
        if k % 4 == 1:
            data += message(0x11, struct.pack("<IIQ", stream, 1, sequence) + b'{"answer":%d}' % k)
    path.write_bytes(data)
    path.with_suffix(".rfidx").write_bytes(FILE_HEADER.pack(b"RFIX", 1, 0, len(data)) + b"".join(entries))
    return data, spans


def read_all(path):
    """(frames as comparable tuples, the damage text or None)."""
    frames = []
    with open_recording(path) as recording:
        try:
            for frame in recording:
                frames.append((frame.stream_id, frame.sequence, frame.timestamp_ns, bytes(frame.metadata), bytes(frame.payload)))
        except ValueError as error:
            assert str(error) == recording.damage
            return frames, str(error)
        assert recording.damage is None
    return frames, None


def message_starts(data):
    starts, at = [], 16
    while at + 8 <= len(data):
        starts.append(at)
        at += 4 + struct.unpack_from("<I", data, at)[0]
    return starts


def test_a_file_damaged_at_any_offset_reads_every_frame_before_the_damage_and_names_what_it_can_see(tmp_path):
    whole = tmp_path / "whole.rfrec"
    data, spans = write(whole)
    original, error = read_all(whole)
    assert error is None and len(original) == 6
    starts = message_starts(data)
    damaged = tmp_path / "damaged.rfrec"
    damaged.with_suffix(".rfidx").write_bytes(whole.with_suffix(".rfidx").read_bytes())
    for offset in range(len(data)):
        copy = bytearray(data)
        copy[offset] ^= 0xFF
        damaged.write_bytes(copy)
        if offset < 16:
            if offset < 8:  # magic, version, reserved bytes: not a recording
                with pytest.raises(ValueError, match="recording"):
                    open_recording(damaged)
            else:  # the creation time may be anything
                assert read_all(damaged)[1] is None
            continue
        frames, error = read_all(damaged)
        start = max(s for s in starts if s <= offset)
        before = sum(1 for _, end in spans if end <= start)
        assert frames[:before] == original[:before], f"byte {offset}: a frame before the damage changed or went missing"
        in_header = offset - start
        is_frame = any(s == start for s, _ in spans)
        if in_header in (0, 1, 2, 3, 5, 6, 7) or (is_frame and (in_header == 4 or 8 <= in_header < 12)):
            assert error is not None and "damaged at byte" in error, f"byte {offset}: damage a reader can see was silent"
            assert len(frames) == before
        elif error is None:
            assert len(frames) == len(original), f"byte {offset}: undetectable damage lost a frame"


def test_zeros_a_power_cut_leaves_end_the_recording_but_zeros_with_data_after_them_are_damage(tmp_path):
    path = tmp_path / "zeros.rfrec"
    data, spans = write(path, frames=4)
    path.with_suffix(".rfidx").unlink()
    path.write_bytes(data + bytes(4096))
    with open_recording(path) as recording:
        assert (len(recording), recording.truncated_bytes, recording.damage) == (4, 4096, None)
    zeroed = bytearray(data)
    zeroed[spans[2][0]:spans[2][0] + 8] = bytes(8)
    path.write_bytes(zeroed)
    frames, error = read_all(path)
    assert len(frames) == 2
    assert f"damaged at byte {spans[2][0]}: 8 zero bytes where a message header should be, and data after them" in error
