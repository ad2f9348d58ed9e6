"""Frames over NATS (PROTOCOL.md §19) with a plain-socket NATS client written here: CONNECT (user/password or token),
PUB with headers (HPUB), SUB with wildcards, MSG/HMSG, PING/PONG. Not covered: TLS, credentials files and NKeys,
JetStream, and reconnecting (a lost server ends the iteration). Frames are the FRAME bodies of §6; each publisher
tags its messages with its RawFrames-Publisher id and ends each subject with a RawFrames-End message."""

import json
import re
import secrets
import socket
import time

from .frame import Frame
from .wire import FRAME_HEADER, FRAME_HEADER_SIZE, FLAG_METADATA_JSON, Codec, FrameHeader, PixelFormat, padding

_ENDPOINT = re.compile(r"^nats://(?:(?P<user>[^:@/]+)(?::(?P<password>[^@/]*))?@)?(?P<host>[^:/@]+):(?P<port>\d{1,5})/(?P<subject>[^/]+)$")
_CODEC_NAMES = {Codec.RAW: "raw", Codec.JPEG: "jpeg", Codec.YUV_JPEG: "yuv-jpeg", Codec.PNG: "png", Codec.BMP: "bmp"}
PUBLISHER, END = "RawFrames-Publisher", "RawFrames-End"


def parse(endpoint):
    """(host, port, subject, credentials for CONNECT) of nats://[USER:PASSWORD@|TOKEN@]HOST:PORT/SUBJECT."""
    match = _ENDPOINT.match(endpoint)
    if not match:
        raise ValueError(f"{endpoint!r} is not a NATS endpoint: write nats://HOST:PORT/SUBJECT")
    user, password = match["user"], match["password"]
    credentials = {"user": user, "pass": password} if password is not None else ({"auth_token": user} if user else {})
    return match["host"], int(match["port"]), match["subject"], credentials


class _Client:
    """One NATS connection: the opening, and the lines and payloads of the protocol."""

    def __init__(self, endpoint, name, connect_timeout=10.0):
        host, port, self.subject, credentials = parse(endpoint)
        deadline, delay = time.monotonic() + connect_timeout, 0.05
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=connect_timeout)
                break
            except ConnectionRefusedError:
                if time.monotonic() + delay > deadline:
                    raise ConnectionError(f"{endpoint}: no NATS server after {connect_timeout:g} s; is nats-server running there?") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb", buffering=1 << 20)
        info = self._line()
        if not info.startswith(b"INFO "):
            raise ConnectionError(f"{endpoint}: not a NATS server (it said {info[:40]!r})")
        self.info = json.loads(info[5:])
        connect = {"verbose": False, "pedantic": False, "headers": True, "name": name, "lang": "python", "version": "1", **credentials}
        self.sock.sendall(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")
        self.flush_reply(endpoint)

    @property
    def max_payload(self):
        return self.info.get("max_payload", 1 << 20)

    def flush_reply(self, what):
        """Reads until the PONG that answers our PING (the server has everything we sent); -ERR is raised."""
        while True:
            line = self._line()
            if line.startswith(b"PONG"):
                return
            if line.startswith(b"-ERR"):
                raise ConnectionError(f"{what}: the NATS server refused: {line[5:].decode(errors='replace')}")

    def _line(self):
        line = self.file.readline()
        if not line:
            raise ConnectionError("the NATS server closed the connection")
        return line.rstrip(b"\r\n")

    def close(self):
        self.file.close()
        self.sock.close()


class NatsPublisher:
    """Publishes frames on SUBJECT.STREAM.CODEC: numpy BGR/GRAY images raw (`send`), or encoded payloads (`send_encoded`)."""

    def __init__(self, endpoint, *, stream_id=0):
        self.client = _Client(endpoint, "rawframes-python")
        self.publisher = secrets.token_hex(16)
        self.stream_id, self.sequence, self.subjects = stream_id, 0, set()
        self._headers = f"NATS/1.0\r\n{PUBLISHER}: {self.publisher}\r\n\r\n".encode()

    def send(self, image, *, metadata=b"", metadata_is_json=False):
        height, width = image.shape[:2]
        channels = 1 if image.ndim == 2 else image.shape[2]
        fmt = {1: PixelFormat.GRAY8, 3: PixelFormat.BGR24, 4: PixelFormat.BGRA32}[channels]
        stride = image.strides[0]
        payload = memoryview(image).cast("B") if image.flags["C_CONTIGUOUS"] else image.tobytes()
        self._publish(Codec.RAW, fmt, width, height, stride, payload, metadata, metadata_is_json)

    def send_encoded(self, codec, payload, width, height, pixel_format, *, metadata=b"", metadata_is_json=False):
        self._publish(Codec(codec), PixelFormat(pixel_format), width, height, 0, memoryview(payload).cast("B"), metadata, metadata_is_json)

    def _publish(self, codec, fmt, width, height, stride, payload, metadata, metadata_is_json):
        meta_pad = padding(len(metadata))
        head = bytearray(FRAME_HEADER_SIZE)
        FRAME_HEADER.pack_into(head, 0, codec, fmt, FLAG_METADATA_JSON if metadata_is_json else 0, self.stream_id, width, height, stride,
                               len(metadata), self.sequence, time.time_ns())
        body_length = FRAME_HEADER_SIZE + len(metadata) + meta_pad + len(payload)
        FrameHeader.parse(memoryview(head), body_length)  # the receiver's rules, checked here
        if body_length > self.client.max_payload:
            raise ValueError(f"frame {self.sequence} is {body_length} bytes, over the NATS server's max_payload of {self.client.max_payload}: "
                             "raise max_payload in the server's configuration file or send JPEG")
        subject = f"{self.client.subject}.{self.stream_id}.{_CODEC_NAMES[codec]}"
        self.subjects.add(subject)
        total = len(self._headers) + body_length
        self.client.sock.sendmsg([f"HPUB {subject} {len(self._headers)} {total}\r\n".encode(), self._headers, head, metadata,
                                  b"\0" * meta_pad, payload, b"\r\n"])
        self.sequence += 1

    def close(self):
        """END on every subject used, then waits until the server has everything (PING/PONG)."""
        end = f"NATS/1.0\r\n{PUBLISHER}: {self.publisher}\r\n{END}: 1\r\n\r\n".encode()
        for subject in sorted(self.subjects):
            self.client.sock.sendall(f"HPUB {subject} {len(end)} {len(end)}\r\n".encode() + end + b"\r\n")
        self.client.sock.sendall(b"PING\r\n")
        self.client.flush_reply("closing")
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class NatsSubscription:
    """Subscribed once constructed (the server has the SUB). Iterating yields (publisher id, Frame) until every
    publisher seen has ended all its subjects with END (`until_end`), or forever."""

    def __init__(self, endpoint, *, until_end=True):
        self.client = _Client(endpoint, "rawframes-python")
        subject = self.client.subject
        if not any(token in ("*", ">") for token in subject.split(".")):
            subject += ".>"
        self.client.sock.sendall(f"SUB {subject} 1\r\nPING\r\n".encode())
        self.client.flush_reply("subscribing")
        self.until_end = until_end
        self.invalid = []

    def __iter__(self):
        open_subjects = {}
        client = self.client
        while True:
            line = client._line()
            if line == b"PING":
                client.sock.sendall(b"PONG\r\n")
                continue
            parts = line.split()
            if parts[0] not in (b"MSG", b"HMSG"):
                continue
            subject = parts[1].decode()
            header_bytes = int(parts[-2]) if parts[0] == b"HMSG" else 0
            data = client.file.read(int(parts[-1]) + 2)[:-2]
            headers = dict(h.split(": ", 1) for h in data[:header_bytes].decode().split("\r\n")[1:] if ": " in h)
            publisher = headers.get(PUBLISHER, "")
            if END in headers:
                open_subjects.get(publisher, set()).discard(subject)
                if self.until_end and open_subjects and not any(open_subjects.values()):
                    return
                continue
            body = memoryview(data)[header_bytes:]
            try:
                header = FrameHeader.parse(body[:FRAME_HEADER_SIZE], len(body))
            except Exception as error:  # a message that is not a FRAME body: counted, skipped
                self.invalid.append(f"{subject}: {error}")
                continue
            open_subjects.setdefault(publisher, set()).add(subject)
            metadata = body[FRAME_HEADER_SIZE:FRAME_HEADER_SIZE + header.metadata_length]
            yield publisher, Frame(header, metadata, body[header.payload_offset:header.payload_offset + header.payload_length])

    def close(self):
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
