"""Every golden vector in tests/vectors gives its stated outcome to this implementation's consumer, however the
bytes are split into reads (PROTOCOL.md §12), and the consumer answers as PROTOCOL.md says: preamble, HELLO as
consumer, PONG for PING, END for END, ERROR for a protocol error, HTTP 400 for an HTTP request."""

import json
import struct

import pytest

from conftest import VECTORS, ReplaySocket, messages_in
from rawframes import Connection, Frame, PeerError, ProtocolError, Role
from rawframes.codecs import decode
from rawframes.wire import PREAMBLE, Capability, MessageType

NAMES = sorted(path.stem for path in VECTORS.glob("*.json"))


def load(name):
    return json.loads((VECTORS / f"{name}.json").read_text()), (VECTORS / f"{name}.bin").read_bytes()


def consume(data, max_length, boundaries=(), capabilities=Capability.SHARED_MEMORY | Capability.MODEL_INPUTS):
    """Runs a consumer (acceptor) that announces `capabilities` over the bytes, arriving in pieces split at
    `boundaries`: (outcome, messages, frames, end, error code, socket)."""
    sock = ReplaySocket(data, boundaries)
    messages, frames = [], []
    try:
        connection = Connection.open(sock, Role.CONSUMER, connector=False, max_message_length=max_length,
                                     capabilities=capabilities)
        messages.append("HELLO")
        while (message := connection.read()) is not None:
            if isinstance(message, Frame):
                messages.append("FRAME")
                frames.append(describe(message))
            else:
                messages.append(message.type.name)
    except ProtocolError as error:
        if error.probe:
            return "probe", messages, frames, None, None, sock
        return "reject", messages, frames, None, int(error.code), sock
    except PeerError as error:
        return "refused", messages, frames, None, int(error.code), sock
    end = "end_message" if connection.end_received else "closed"
    return "accept", messages, frames, end, None, sock


def describe(frame):
    fields = {name: int(getattr(frame, name)) for name in
              ("codec", "pixel_format", "flags", "stream_id", "width", "height", "stride", "sequence")}
    fields["sequence_text"] = str(frame.sequence)
    fields["timestamp_ns"] = frame.timestamp_ns
    fields["timestamp_ns_text"] = str(frame.timestamp_ns)
    fields["metadata_hex"] = bytes(frame.metadata).hex()
    fields["payload_hex"] = bytes(frame.payload).hex()
    return fields


def expected(vector):
    return (vector["outcome"], vector["messages"], vector["frames"], vector.get("end"),
            vector["error"]["code"] if vector["outcome"] in ("reject", "refused") else None)


def test_every_vector_is_covered():
    assert len(NAMES) == len(list(VECTORS.glob("*.bin"))) >= 36


@pytest.mark.parametrize("name", NAMES)
def test_vector_read_whole(name):
    vector, data = load(name)
    outcome = consume(data, vector["consumer_max_message_length"], capabilities=vector["consumer_capabilities"])
    assert outcome[:5] == expected(vector), vector["description"]
    check_answers(vector, data, outcome[5].written)
    if outcome[4] == 3:
        # MessageTooLarge is decided from the 4 prefix bytes: not one byte after them was read.
        read = outcome[5].at
        assert struct.unpack_from("<I", data, read - 4)[0] > vector["consumer_max_message_length"]


@pytest.mark.parametrize("name", NAMES)
def test_vector_split_at_every_offset_and_trickled(name):
    vector, data = load(name)
    want = expected(vector)
    limit, capabilities = vector["consumer_max_message_length"], vector["consumer_capabilities"]
    for cut in range(1, len(data)):
        assert consume(data, limit, (cut,), capabilities)[:5] == want, f"split at {cut}"
    for first in range(1, min(len(data), 160)):
        for second in range(first + 1, min(len(data), 160), 3):
            assert consume(data, limit, (first, second), capabilities)[:5] == want, f"split at {first} and {second}"
    for chunk in (1, 7):
        assert consume(data, limit, range(chunk, len(data), chunk), capabilities)[:5] == want, f"{chunk} bytes at a time"


def check_answers(vector, data, written):
    """What the consumer wrote back, read with the same rules."""
    if vector["outcome"] in ("probe", "refused") or (vector["outcome"] == "reject" and vector["error"]["code"] == 11
                                                    and vector["hello"] is None):
        # Nothing to answer: no protocol began, the peer's ERROR is never answered, and a stream that ended inside
        # the opening gets neither an ERROR nor a preamble that would announce one.
        assert written == b""
        return
    if vector["outcome"] == "reject" and vector["error"]["code"] == 1:
        assert written.startswith(b"HTTP/1.1 400") if data[:4] in (b"GET ", b"POST") else written == b""
        return
    if vector["outcome"] == "reject" and vector["error"]["code"] == 11:
        assert b"\x04\x00\x00\x00" not in written[-12:-8], "no ERROR for a truncated stream"
    assert written[:8] == PREAMBLE
    replies = list(messages_in(bytes(written[8:])))
    if vector["outcome"] == "reject":
        if vector["error"]["code"] == 11:
            return
        kind, body = replies[-1]
        assert kind == MessageType.ERROR and struct.unpack_from("<I", body)[0] == vector["error"]["code"]
        return
    assert replies[0][0] == MessageType.HELLO and replies[0][1][0] == Role.CONSUMER
    pings = [body for kind, body in messages_in(data[8:]) if kind == MessageType.PING]
    assert [body for kind, body in replies if kind == MessageType.PONG] == pings
    assert (replies[-1][0] == MessageType.END) == (vector["end"] == "end_message")



@pytest.mark.parametrize("name", [n for n in NAMES if n.endswith("-frame") and n != "minimal-raw-frame"])
def test_compressed_vectors_decode(name):
    vector, data = load(name)
    payload = bytes.fromhex(vector["frames"][0]["payload_hex"])
    image = decode(vector["frames"][0]["codec"], payload)
    assert image.shape[:2] == (vector["frames"][0]["height"], vector["frames"][0]["width"])
    if "decoded_bgr_hex" in vector:
        assert image.tobytes().hex() == vector["decoded_bgr_hex"]


def test_model_inputs_are_numpy_views_batch_first():
    """PROTOCOL.md §7.2: a float32 CHW frame is a (1, 3, H, W) view; a batch of uint8 CHW images is (N, 3, H, W)."""
    vector, data = load("tensor-f32-chw")
    connection = Connection.open(ReplaySocket(data, ()), Role.CONSUMER, connector=False, max_message_length=1 << 20,
                                 capabilities=Capability.MODEL_INPUTS)
    frame = connection.read()
    tensor = frame.tensor()
    assert (tensor.shape, tensor.dtype, frame.count, frame.is_batch) == ((1, 3, 2, 2), "float32", 1, False)
    assert tensor[0, 2, 1, 1] == 11 / 16 and tensor.base is not None  # plane B, row 1, column 1: value 11 of 12

    vector, data = load("tensor-batch")
    connection = Connection.open(ReplaySocket(data, ()), Role.CONSUMER, connector=False, max_message_length=1 << 20,
                                 capabilities=Capability.MODEL_INPUTS)
    frame = connection.read()
    batch = frame.tensor()
    payload = bytes.fromhex(vector["frames"][0]["payload_hex"])
    assert (batch.shape, batch.dtype, frame.count) == ((3, 3, 1, 2), "uint8", 3)
    assert batch.tobytes() == payload
    assert [item["sequence"] for item in frame.tensor_items()] == [1, 2, 3]
