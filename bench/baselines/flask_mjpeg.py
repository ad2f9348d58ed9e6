#!/usr/bin/env python3
"""The usual way to show numpy frames from Python in a browser, for comparison: Flask serving MJPEG (multipart/x-mixed-replace)
to an <img>, each frame encoded with cv2.imencode as JPEG (q80), PNG or BMP (the three rows of the comparison's table).
Frames are 1000x1000 noise (as in that table), made per frame.

    flask_mjpeg.py PORT FPS [jpg|png|bmp]
Serves / (a page with the <img>), /small (the same <img> shown 480 pixels wide) and /video; on SIGTERM prints one JSON line: frames served, and this process's CPU.
"""
import json
import signal
import sys
import time

import cv2
import numpy as np
from flask import Flask, Response

app = Flask(__name__)
served = 0


def frames(fps, encoding):
    global served
    rng = np.random.default_rng(0)
    next_at = time.monotonic()
    while True:
        image = rng.integers(0, 256, (1000, 1000, 3), np.uint8)
        ok, encoded = cv2.imencode("." + encoding, image, [cv2.IMWRITE_JPEG_QUALITY, 80] if encoding == "jpg" else [])
        kind = {"jpg": "jpeg", "png": "png", "bmp": "bmp"}[encoding]
        yield b"--frame\r\nContent-Type: image/" + kind.encode() + b"\r\n\r\n" + encoded.tobytes() + b"\r\n"
        served += 1
        next_at += 1 / fps
        time.sleep(max(0.0, next_at - time.monotonic()))


def main(port, fps, encoding):
    app.add_url_rule("/", "page", lambda: '<html><body><img id="stream" src="/video"></body></html>')
    # The same stream shown 480 pixels wide, as a thumbnail grid shows it: the browser scales the full frames.
    app.add_url_rule("/small", "small", lambda: '<html><body><img id="stream" src="/video" style="width:480px"></body></html>')
    app.add_url_rule("/video", "video", lambda: Response(frames(fps, encoding), mimetype="multipart/x-mixed-replace; boundary=frame"))
    started = time.process_time()

    def report(*_):
        print(json.dumps({"frames": served, "cpu_s": time.process_time() - started}), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    app.run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "jpg")
