#!/usr/bin/env python3
"""The RawFrames side of the browser comparison: numpy frames (1000x1000 noise, made per frame) sent as JPEG with the
Python client to rawframes-recv --http, which shows them in the browser. Paced at FPS for SECONDS.

    numpy_sender.py ENDPOINT FPS SECONDS
Prints one JSON line: frames sent and this process's CPU seconds.
"""
import sys, time, json
import numpy as np
import rawframes
fps = float(sys.argv[2]); seconds = float(sys.argv[3])
rng = np.random.default_rng(0)
start = time.process_time(); t0 = time.monotonic(); n = 0
with rawframes.Sender.connect(sys.argv[1], codec="jpeg") as sender:
    next_at = time.monotonic()
    while time.monotonic() - t0 < seconds:
        sender.send(rng.integers(0, 256, (1000, 1000, 3), np.uint8)); n += 1
        next_at += 1 / fps; time.sleep(max(0.0, next_at - time.monotonic()))
print(json.dumps({"frames": n, "cpu_s": time.process_time() - start}))
