"""Shared helpers: the package on sys.path, the reference programs as built by scripts/test.sh, and a socket
stand-in that replays bytes in chosen chunks."""

import os
import pathlib
import struct
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
REPO = HERE.parents[2]
VECTORS = REPO / "tests" / "vectors"


class ReplaySocket:
    """What Connection needs of a socket: reads come from fixed bytes, and no read crosses one of the given
    stream offsets (as when those bytes arrived in separate segments); everything written is recorded."""

    family = 1  # AF_UNIX: the vectors' consumer offers shared memory (PROTOCOL.md §12, §15); no vector maps a ring

    def __init__(self, data, boundaries=()):
        self.data = memoryview(data)
        self.at = 0
        self.boundaries = sorted(set(boundaries) | {len(data)})
        self.written = bytearray()
        self.closed = False

    def recv_into(self, view, nbytes=0):
        limit = next(b for b in self.boundaries if b > self.at) if self.at < len(self.data) else self.at
        size = min(len(view), limit - self.at)
        view[:size] = self.data[self.at:self.at + size]
        self.at += size
        return size

    def sendall(self, data):
        if self.closed:
            raise OSError("closed")
        self.written += data

    def sendmsg(self, parts):
        for part in parts:
            self.sendall(part)
        return sum(len(part) for part in parts)

    def settimeout(self, value):
        pass

    def gettimeout(self):
        return None

    def close(self):
        self.closed = True


def messages_in(data):
    """(type, body) of each whole message in bytes that follow a preamble."""
    at = 0
    while at + 8 <= len(data):
        length, kind = struct.unpack_from("<IB", data, at)
        yield kind, data[at + 8:at + 4 + length]
        at += 4 + length


def program(name):
    """The path of rawframes-send or rawframes-recv as `dotnet build -c Release` leaves it."""
    project = {"rawframes-send": "Sender", "rawframes-relay": "Relay", "rawframes-conformance": "Conformance"}.get(name, "Receiver")
    path = REPO / "src" / project / "bin" / "Release" / "net10.0" / name
    if not path.exists():
        # A missing build is a failure, not a skip: CI runs these after building the solution.
        pytest.fail(f"{path} is missing: build first (scripts/test.sh does, or dotnet build -c Release)")
    return str(path)


@pytest.fixture
def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


os.environ.setdefault("DOTNET_CLI_TELEMETRY_OPTOUT", "1")


def pytest_configure(config):
    config.addinivalue_line("markers", "process: starts a program, a server or a converter (left out by scripts/test.sh --fast)")
