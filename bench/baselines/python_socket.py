#!/usr/bin/env python3
"""Today's common approach, for comparison: raw frames over a plain Python socket with a 4-byte length prefix.

The best case of that approach: a preallocated frame, sendall, and recv_into a preallocated buffer (no pickle, no
copies in Python). Prints one JSON line like rawframes-recv's summary.
    python_socket.py recv PORT SECONDS       python_socket.py send PORT SECONDS [WIDTH HEIGHT]
PORT may be an absolute path: a Unix socket there, with the 4 MiB socket buffers RawFrames uses.
"""
import json
import os
import socket
import struct
import sys
import time


UNIX_BUFFER = 4 << 20


def address(port):
    """(family, address) for a TCP port on loopback or a Unix socket path."""
    return (socket.AF_UNIX, port) if str(port).startswith("/") else (socket.AF_INET, ("127.0.0.1", int(port)))


def recv(port, seconds):
    family, where = address(port)
    server = socket.socket(family)
    if family == socket.AF_UNIX:
        if os.path.exists(where):
            os.unlink(where)
    else:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(where)
    server.listen(1)
    conn, _ = server.accept()
    if family == socket.AF_UNIX:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UNIX_BUFFER)
    prefix = bytearray(4)
    buffer = bytearray(64 << 20)
    view = memoryview(buffer)
    frames = 0
    total = 0
    first = last = None
    cpu_first = cpu_last = 0.0

    def fill(target, n):
        got = 0
        while got < n:
            k = conn.recv_into(target[got:n], n - got)
            if k == 0:
                return False
            got += k
        return True

    while fill(memoryview(prefix), 4):
        (length,) = struct.unpack("<I", prefix)
        if not fill(view, length):
            break
        now = time.perf_counter()
        cpu = time.process_time()
        if first is None:
            first, cpu_first = now, cpu
        last, cpu_last = now, cpu
        frames += 1
        total += length
    span = (last - first) if frames > 1 else 0
    print(json.dumps({"frames": frames, "fps": (frames - 1) / span if span else 0,
                      "mb_per_s": total * (frames - 1) / frames / span / 1e6 if span else 0,
                      # CPU of the streaming part (first frame to last), as rawframes-recv reports it.
                      "cpu_ms_per_frame": (cpu_last - cpu_first) * 1000 / (frames - 1) if frames > 1 else None}))


def send(port, seconds, width=1920, height=1080):
    # Real bytes: bytes(n) of zeros would map the kernel's shared zero page, which stays in cache and flatters the copy.
    frame = os.urandom(width * height * 3)
    family, where = address(port)
    conn = None
    for _ in range(100):
        try:
            conn = socket.socket(family)
            if family == socket.AF_UNIX:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, UNIX_BUFFER)
            conn.connect(where)
            break
        except (ConnectionRefusedError, FileNotFoundError):
            conn.close()
            time.sleep(0.05)
    if family == socket.AF_INET:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    prefix = struct.pack("<I", len(frame))
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        conn.sendall(prefix)
        conn.sendall(frame)
    conn.close()


if __name__ == "__main__":
    mode, port, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    if mode == "recv":
        recv(port, seconds)
    else:
        send(port, seconds, *map(int, sys.argv[4:6]))
