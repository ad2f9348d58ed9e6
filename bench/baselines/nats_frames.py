#!/usr/bin/env python3
"""Frames through a NATS server, for the README's "past one machine" note: how a broker carries the same frames a
relay does. Speaks the NATS client protocol directly (INFO/CONNECT/PUB/SUB/MSG/PING) with plain sockets, so nothing
beyond Debian's python3 is needed. Each message is one frame: a 40-byte RawFrames frame header (PROTOCOL.md §6)
followed by the payload, on subject rawframes.<stream>.<codec>.

    nats_frames.py pub PORT SECONDS FPS BYTES      publish frames of BYTES payload bytes (FPS 0: as fast as possible)
    nats_frames.py sub PORT SECONDS                count frames until SECONDS pass without one; prints JSON
"""
import json
import socket
import struct
import sys
import time

SUBJECT = b"rawframes.0.raw"
HEADER = struct.Struct("<BBHIIIIIQq")


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb", buffering=1 << 20)
    reader.readline()  # INFO {...}
    sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
    while reader.readline().strip() != b"PONG":
        pass
    return sock, reader


def publish(port, seconds, fps, size):
    sock, reader = connect(port)
    payload = bytes(size)
    sent, start = 0, time.monotonic()
    while (now := time.monotonic()) - start < seconds:
        if fps and sent > (now - start) * fps:
            time.sleep(max(0.0, start + sent / fps - now))
            continue
        head = HEADER.pack(0, 1, 0, 0, 1920, 1080, 5760 if size == 1920 * 1080 * 3 else 0, 0, sent, time.time_ns())
        sock.sendall(b"PUB %s %d\r\n" % (SUBJECT, len(head) + size) + head)
        sock.sendall(payload)
        sock.sendall(b"\r\n")
        sent += 1
    sock.sendall(b"PING\r\n")  # the server has everything once it answers
    while reader.readline().strip() != b"PONG":
        pass
    print(json.dumps({"sent": sent, "fps": round(sent / (time.monotonic() - start), 1)}))


def subscribe(port, idle):
    sock, reader = connect(port)
    sock.sendall(b"SUB %s 1\r\nPING\r\n" % SUBJECT)
    while reader.readline().strip() != b"PONG":
        pass
    print("ready", file=sys.stderr, flush=True)
    frames, latencies, first, last, error = 0, [], None, None, None
    sock.settimeout(idle)
    try:
        while True:
            line = reader.readline()
            if not line:
                break
            if line.startswith(b"MSG"):
                size = int(line.split()[-1])
                body = reader.read(size + 2)
                now = time.time_ns()
                latencies.append((now - HEADER.unpack_from(body)[9]) / 1e6)
                frames += 1
                first = first or time.monotonic()
                last = time.monotonic()
            elif line.startswith(b"PING"):
                sock.sendall(b"PONG\r\n")
            elif line.startswith(b"-ERR"):
                error = line.decode().strip()
                break
    except (socket.timeout, TimeoutError):
        pass
    latencies.sort()
    print(json.dumps({"frames": frames, "fps": round((frames - 1) / (last - first), 1) if frames > 1 else 0,
                      "latency_ms_p50": round(latencies[len(latencies) // 2], 2) if latencies else None, "error": error}))


if __name__ == "__main__":
    if sys.argv[1] == "pub":
        publish(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    else:
        subscribe(int(sys.argv[2]), float(sys.argv[3]))
