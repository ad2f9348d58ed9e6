"""Every producer vector in tests/vectors/producer gives its stated outcome to this implementation's producer (the
side that connected), however the bytes are split into reads, and the producer answers as PROTOCOL.md says: a PONG
for each PING, ERROR with the code for a protocol error it found (not for BadMagic or TruncatedStream), nothing for
the acceptor's refusal."""

import json
import struct

import pytest

from conftest import VECTORS, ReplaySocket, messages_in
from rawframes import Connection, PeerError, ProtocolError, Role
from rawframes.wire import PREAMBLE, MessageType

FOLDER = VECTORS / "producer"
NAMES = sorted(path.stem for path in FOLDER.glob("*.json"))


def load(name):
    return json.loads((FOLDER / f"{name}.json").read_text()), (FOLDER / f"{name}.bin").read_bytes()


def produce(vector, data, boundaries=()):
    """Runs a producer that connected over the acceptor's bytes: (outcome, messages, end, error code, socket)."""
    sock = ReplaySocket(data, boundaries)
    messages = []
    try:
        connection = Connection.open(sock, Role.PRODUCER, connector=True, capabilities=vector["producer_capabilities"],
                                     max_message_length=vector["producer_max_message_length"])
        messages.append("HELLO")
        while (message := connection.read()) is not None:
            messages.append(message.type.name)
    except PeerError as refusal:
        return "refused", messages, None, refusal.code, sock
    except ProtocolError as error:
        return "reject", messages, None, int(error.code), sock
    return "accept", messages, "end_message" if connection.end_received else "closed", None, sock


def expected(vector):
    return (vector["outcome"], vector["messages"], vector.get("end"),
            vector["error"]["code"] if vector["outcome"] != "accept" else None)


def test_every_producer_vector_is_covered():
    assert len(NAMES) == len(list(FOLDER.glob("*.bin"))) >= 16


@pytest.mark.parametrize("name", NAMES)
def test_producer_vector(name):
    vector, data = load(name)
    outcome = produce(vector, data)
    assert outcome[:4] == expected(vector), vector["description"]
    written = bytes(outcome[4].written)
    assert written[:8] == PREAMBLE
    replies = list(messages_in(written[8:]))
    assert replies[0][0] == MessageType.HELLO and replies[0][1][0] == Role.PRODUCER
    errors = [struct.unpack_from("<I", body)[0] for kind, body in replies if kind == MessageType.ERROR]
    if vector["outcome"] == "reject" and vector["error"]["code"] not in (1, 11):
        assert errors == [vector["error"]["code"]], "the producer answers the fault it found with ERROR"
    else:
        assert errors == [], "no ERROR for a refusal, a wrong peer or a truncated stream"
    pings = [body for kind, body in messages_in(data[8:]) if kind == MessageType.PING]
    assert [body for kind, body in replies if kind == MessageType.PONG] == pings


@pytest.mark.parametrize("name", NAMES)
def test_producer_vector_split_anywhere(name):
    vector, data = load(name)
    want = expected(vector)
    for cut in range(1, len(data)):
        assert produce(vector, data, (cut,))[:4] == want, f"split at {cut}"
    assert produce(vector, data, range(1, len(data)))[:4] == want, "1 byte at a time"

