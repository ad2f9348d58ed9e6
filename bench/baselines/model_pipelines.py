#!/usr/bin/env python3
"""Model-ready frames end to end, for the bench (bench/ModelInputs): a producer of the same frame over and over, and the
two Python consumers compared, each printing one JSON line.

    model_pipelines.py produce plain|rawframes TARGET SECONDS FILE
        sends FILE (a JPEG, or a .npy of HxWx3 BGR pixels sent raw) for SECONDS: 'plain' with a 4-byte length prefix
        to tcp port TARGET (the plain-socket way), 'rawframes' with the RawFrames Python client to endpoint TARGET.
    model_pipelines.py cv2 PORT WIDTHxHEIGHT BATCH MODEL_MS [--reduced] [--raw FRAMEWxFRAMEH]
        the best plain-socket consumer: a plain socket receiver (recv_into one buffer), the cv2 pipeline of
        cv2_model_input.py per frame (--reduced: IMREAD_REDUCED_COLOR_2; --raw: frames are BGR pixels, no decode),
        np.stack of BATCH tensors, then the stand-in model.
    model_pipelines.py rawframes ENDPOINT BATCH MODEL_MS
        a RawFrames subscriber of rawframes-relay --model: the batch is a numpy view of the relay's ring; only the
        stand-in model runs here.

The stand-in model stands for a GPU model: it reads the batch once (the host-to-device copy a real one makes; here a
sum over every value) and then waits MODEL_MS per image (the GPU's time, when this process's CPU is idle); a negative
MODEL_MS runs no model, to measure the receiving process alone. Consumers
report fps and cpu_ms_per_frame (this process, every thread) over the frames after the first batch.
"""
import json
import os
import socket
import struct
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))
sys.path.insert(0, os.path.dirname(__file__))


def stand_in_model(batch, model_ms, images):
    if model_ms < 0:
        return 0.0  # no model: the receiving process alone
    checksum = float(np.add.reduce(batch, axis=None, dtype=np.float64))  # reads every value once
    if model_ms:
        time.sleep(model_ms * images / 1000)
    return checksum


class Meter:
    """fps and CPU per frame from the first batch on (connection set-up and warm-up left out)."""

    def __init__(self):
        self.frames = 0
        self.started = None

    def add(self, frames):
        if self.started is None:
            self.started = (time.perf_counter(), time.process_time())
            return
        self.frames += frames

    def report(self, **extra):
        wall = time.perf_counter() - self.started[0] if self.started else 0
        cpu = time.process_time() - self.started[1] if self.started else 0
        print(json.dumps({"frames": self.frames, "fps": self.frames / wall if wall else 0,
                          "cpu_ms_per_frame": cpu * 1000 / self.frames if self.frames else None, **extra}), flush=True)


def produce(mode, target, seconds, path):
    raw = np.load(path) if path.endswith(".npy") else None
    data = raw.tobytes() if raw is not None else open(path, "rb").read()
    deadline = time.monotonic() + seconds
    frames = 0
    if mode == "plain":
        with socket.create_connection(("127.0.0.1", int(target))) as sock:
            prefix = struct.pack("<I", len(data))
            while time.monotonic() < deadline:
                sock.sendall(prefix)
                sock.sendall(data)
                frames += 1
    else:
        from rawframes import Sender
        with Sender.connect(target) as sender:
            while time.monotonic() < deadline:
                if raw is not None:
                    sender.send(raw)
                else:
                    width, height = jpeg_size(data)
                    sender.send_encoded(1, data, width, height, 1)
                frames += 1
    print(json.dumps({"frames": frames}), flush=True)


def jpeg_size(data):
    """Width and height from the JPEG's frame header (SOF)."""
    at = 2
    while at + 9 <= len(data):
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    raise ValueError("no JPEG frame header")


def cv2_pipeline(port, size, batch_size, model_ms, reduced, raw_size):
    import cv2
    from cv2_model_input import model_ready
    width, height = (int(v) for v in size.lower().split("x"))
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(port)))
    server.listen(1)
    print(json.dumps({"listening": int(port)}), file=sys.stderr, flush=True)
    conn, _ = server.accept()
    prefix, buffer = bytearray(4), bytearray(64 << 20)
    view = memoryview(buffer)

    def fill(target, n):
        got = 0
        while got < n:
            k = conn.recv_into(target[got:n], n - got)
            if k == 0:
                return False
            got += k
        return True

    meter, pending, flags = Meter(), [], cv2.IMREAD_REDUCED_COLOR_2 if reduced else cv2.IMREAD_COLOR
    while fill(memoryview(prefix), 4):
        (length,) = struct.unpack("<I", prefix)
        if not fill(view, length):
            break
        frame = np.frombuffer(buffer, np.uint8, length)
        image = frame.reshape(raw_size[1], raw_size[0], 3) if raw_size else cv2.imdecode(frame, flags)
        tensor, _ = model_ready(image, width, height)
        pending.append(tensor[0])
        if len(pending) == batch_size:
            stand_in_model(np.stack(pending), model_ms, len(pending))
            meter.add(len(pending))
            pending = []
    meter.report(way="cv2")


def rawframes_consumer(endpoint, batch_size, model_ms):
    from rawframes import subscribe
    meter = Meter()
    with subscribe(endpoint) as subscription:
        print(json.dumps({"subscribed": endpoint}), file=sys.stderr, flush=True)
        for frame in subscription:
            batch = frame.tensor()
            stand_in_model(batch, model_ms, batch.shape[0])
            meter.add(batch.shape[0])
    meter.report(way="rawframes")


if __name__ == "__main__":
    command, rest = sys.argv[1] if len(sys.argv) > 1 else "", sys.argv[2:]
    if command == "produce" and len(rest) == 4:
        produce(rest[0], rest[1], float(rest[2]), rest[3])
    elif command == "cv2" and len(rest) >= 4:
        raw = tuple(int(v) for v in rest[rest.index("--raw") + 1].split("x")) if "--raw" in rest else None
        cv2_pipeline(rest[0], rest[1], int(rest[2]), float(rest[3]), "--reduced" in rest, raw)
    elif command == "rawframes" and len(rest) == 3:
        rawframes_consumer(rest[0], int(rest[1]), float(rest[2]))
    else:
        sys.exit(__doc__)
