"""The producer side: connect to a consumer (e.g. `rawframes-recv`) and send numpy images or JPEG bytes."""

import collections
import logging
import socket
import time

import numpy as np

from . import codecs, endpoint
from .connection import Connection, ConnectionClosed
from .wire import ACK, Capability, Codec, MessageType, PixelFormat, Role, parse_result

log = logging.getLogger("rawframes")

_FORMATS = {1: PixelFormat.GRAY8, 3: PixelFormat.BGR24, 4: PixelFormat.BGRA32}


class Sender:
    """One connection to a consumer. `send` writes a frame straight from the array's memory (no copy when it is
    C-contiguous) and returns False once the consumer asked for no more frames (END)."""

    def __init__(self, connection, *, stream_id=0, codec="raw", quality=80, on_result=None):
        self.connection = connection
        self.stream_id = stream_id
        self.codec = codec
        self.quality = quality
        self.on_result = on_result
        self.sequence = 0
        self.frames = 0
        self.bytes = 0
        self.stopped = False
        self.confirmed = False
        self.ack_rtts_ns = collections.deque(maxlen=100_000)
        self._unacked = {}
        self._last_sent = time.monotonic()

    @classmethod
    def connect(cls, to="tcp://127.0.0.1:5555", *, stream_id=0, codec="raw", quality=80, connect_timeout=10.0,
                ack=False, on_result=None, token=None):
        """Connects, retrying with backoff for up to `connect_timeout` seconds while nobody listens yet (start order
        does not matter), and runs the opening as producer. `ack` asks for an ACK per frame (round-trip times in
        `ack_rtts_ns`); `on_result(stream_id, sequence, data, is_json)` receives the consumer's RESULTs. `token` (bytes) is
        presented to a consumer that requires one (PROTOCOL.md §14)."""
        if codec not in ("raw", "jpeg"):
            raise ValueError(f"codec {codec!r}: this sender encodes 'raw' or 'jpeg' (send_encoded sends any codec)")
        deadline = time.monotonic() + connect_timeout
        delay = 0.05
        while True:
            try:
                sock = endpoint.connect(to, timeout=max(0.1, deadline - time.monotonic()))
                break
            except (ConnectionRefusedError, FileNotFoundError, socket.timeout) as error:
                if time.monotonic() + delay > deadline:
                    raise ConnectionError(f"{to}: no receiver after {connect_timeout:g} s ({error})") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        # shm:///path: frames through shared memory when the consumer can (PROTOCOL.md §15).
        capabilities = (Capability.MODEL_INPUTS | (Capability.ACK if ack else 0) | (Capability.RESULT if on_result else 0)
                        | (Capability.SHARED_MEMORY if to.startswith("shm://") else 0))
        connection = Connection.open(sock, Role.PRODUCER, connector=True, capabilities=capabilities, token=token)
        return cls(connection, stream_id=stream_id, codec=codec, quality=quality, on_result=on_result)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, image, *, sequence=None, timestamp_ns=None, metadata=b"", metadata_is_json=False):
        """Sends a (height, width, 3) BGR, (height, width, 4) BGRA or (height, width) grayscale uint8 image, raw or
        encoded as JPEG as the sender was opened. `sequence` defaults to the previous one + 1 (from 1)."""
        image = np.asarray(image)
        if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in _FORMATS):
            raise ValueError(f"expected a uint8 (h, w), (h, w, 3) or (h, w, 4) image, got {image.dtype} {image.shape}")
        height, width = image.shape[:2]
        pixel_format = _FORMATS[1 if image.ndim == 2 else image.shape[2]]
        if self.codec == "jpeg":
            if pixel_format == PixelFormat.BGRA32:
                raise ValueError("JPEG frames are BGR24 or GRAY8; drop the alpha channel first")
            return self.send_encoded(Codec.JPEG, codecs.encode_jpeg(image, self.quality), width, height, pixel_format,
                                     sequence=sequence, timestamp_ns=timestamp_ns, metadata=metadata,
                                     metadata_is_json=metadata_is_json)
        image = np.ascontiguousarray(image)  # a no-op for the usual capture buffer
        return self._send(image, Codec.RAW, pixel_format, width, height, image.strides[0], sequence, timestamp_ns,
                          metadata, metadata_is_json)

    def send_jpeg(self, data, *, width=None, height=None, gray=False, **kwargs):
        """Sends an already encoded JPEG file as it is; the geometry is read from it when not given."""
        if width is None or height is None:
            width, height = codecs.jpeg_size(data)
        return self.send_encoded(Codec.JPEG, data, width, height, PixelFormat.GRAY8 if gray else PixelFormat.BGR24, **kwargs)

    def send_encoded(self, codec, payload, width, height, pixel_format, *, sequence=None, timestamp_ns=None,
                     metadata=b"", metadata_is_json=False):
        """Sends a compressed payload (PROTOCOL.md §7) as it is."""
        return self._send(payload, Codec(codec), PixelFormat(pixel_format), width, height, 0, sequence, timestamp_ns,
                          metadata, metadata_is_json)

    def _send(self, payload, codec, pixel_format, width, height, stride, sequence, timestamp_ns, metadata, metadata_is_json):
        self.poll()
        if self.stopped:
            return False
        sequence = self.sequence + 1 if sequence is None else sequence
        started = time.monotonic_ns()
        self.connection.send_frame(payload, codec=codec, pixel_format=pixel_format, width=width, height=height,
                                   stride=stride, stream_id=self.stream_id, sequence=sequence,
                                   timestamp_ns=timestamp_ns, metadata=metadata, metadata_is_json=metadata_is_json)
        self.sequence = sequence  # a frame refused before sending (too large, bad geometry) uses no number
        if self.connection.negotiated & Capability.ACK:
            self._unacked[(self.stream_id, sequence)] = started  # ACKs are read on this thread, after this
        self.frames += 1
        self.bytes += memoryview(payload).nbytes
        self._last_sent = time.monotonic()
        return True

    def poll(self):
        """Handles whatever the consumer sent, without blocking: PING, END, ERROR, ACK and RESULT. Also keeps a quiet
        connection open: when the consumer announced an idle timeout (§4.3) and nothing was sent for a third of it, a
        PING goes out. An application that pauses between frames calls poll() at least that often."""
        idle_ms = self.connection.peer.idle_timeout_ms
        if idle_ms and not self.stopped and time.monotonic() - self._last_sent >= idle_ms / 3000:
            self.connection.ping()
            self._last_sent = time.monotonic()
        while not self.stopped and self.connection.pending():
            message = self.connection.read()
            if message is None:
                raise ConnectionClosed("the consumer closed the connection without END")
            self._handle(message)

    def _handle(self, message):
        if message.type == MessageType.END:
            log.info("the consumer asked for no more frames (END)")
            self.stopped = self.confirmed = True
            self.connection.close()
        elif message.type == MessageType.ACK:
            stream_id, sequence, _ = ACK.unpack_from(message.body)
            sent = self._unacked.pop((stream_id, sequence), None)
            if sent is not None:
                self.ack_rtts_ns.append(time.monotonic_ns() - sent)
        elif message.type == MessageType.RESULT and self.on_result:
            stream_id, flags, sequence, data = parse_result(message.body)
            self.on_result(stream_id, sequence, data, bool(flags & 1))

    def close(self):
        """Ends the stream cleanly (END, then the consumer's END). `confirmed` says the consumer read every frame."""
        if not self.stopped:
            self.stopped = True
            self.confirmed = self.connection.finish(on_message=self._handle)
        return self.confirmed
