#!/usr/bin/env python3
"""What a Python consumer runs today to make a frame model-ready (a socket or Redis receiver feeding a detector): decode the whole JPEG with
cv2.imdecode, letterbox to the model's size (cv2.resize INTER_LINEAR, then copyMakeBorder with 114, as YOLOv5/ultralytics
do), BGR->RGB, HWC->CHW, float32 / 255.

    cv2_model_input.py measure FILE WIDTHxHEIGHT FRAMES [--reduced] [--save OUT.npy]

FILE is a JPEG, or a .npy of HxWx3 uint8 BGR pixels (a raw frame: no decode). --reduced decodes with
IMREAD_REDUCED_COLOR_2 when half size still covers the model's size (the best cv2 can do). Prints one JSON line:
cpu_ms_per_frame (process CPU, all of cv2's threads, median of 5 rounds) and the letterbox.
"""
import json
import sys
import time

import cv2
import numpy as np


def letterbox(image, width, height, pad=114):
    """Fit inside width x height, aspect kept, centred on a pad border. Returns (image, scale, left, top)."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = round(w * scale), round(h * scale)
    if (new_w, new_h) != (w, h):
        image = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    left, top = (width - new_w) // 2, (height - new_h) // 2
    image = cv2.copyMakeBorder(image, top, height - new_h - top, left, width - new_w - left, cv2.BORDER_CONSTANT, value=(pad, pad, pad))
    return image, scale, left, top


def model_ready(image, width, height):
    """HxWx3 BGR uint8 to a 1x3xHxW float32 RGB tensor in 0..1, as such consumers do it."""
    boxed, scale, left, top = letterbox(image, width, height)
    chw = np.ascontiguousarray(boxed[:, :, ::-1].transpose(2, 0, 1))
    tensor = chw.astype(np.float32)
    tensor /= 255.0
    return tensor[None], (scale, left, top)


def decoder(data, width, height, reduced):
    """The decode step for one frame's bytes: cv2.imdecode, or nothing for a raw frame (HxWx3 pixels)."""
    if data.ndim == 3:
        return lambda: data
    flags = cv2.IMREAD_COLOR
    if reduced:
        w, h = cv2.imdecode(data, cv2.IMREAD_REDUCED_COLOR_2).shape[1::-1]
        scale = min(width / (w * 2), height / (h * 2))
        if w >= round(w * 2 * scale) and h >= round(h * 2 * scale):
            flags = cv2.IMREAD_REDUCED_COLOR_2
    return lambda: cv2.imdecode(data, flags)


def measure(path, size, frames, reduced, save):
    width, height = (int(v) for v in size.lower().split("x"))
    data = np.load(path) if path.endswith(".npy") else np.fromfile(path, np.uint8)
    decode = decoder(data, width, height, reduced)
    tensor, box = model_ready(decode(), width, height)  # warm-up
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(frames):
            tensor, box = model_ready(decode(), width, height)
        rounds.append((time.process_time() - start) * 1000 / frames)
    if save:
        np.save(save, tensor)
    print(json.dumps({"cpu_ms_per_frame": sorted(rounds)[2], "shape": list(tensor.shape), "scale": box[0], "left": box[1], "top": box[2],
                      "threads": cv2.getNumThreads()}))


if __name__ == "__main__":
    if len(sys.argv) < 5 or sys.argv[1] != "measure":
        sys.exit(__doc__)
    arguments = sys.argv[5:]
    measure(sys.argv[2], sys.argv[3], int(sys.argv[4]), "--reduced" in arguments,
            arguments[arguments.index("--save") + 1] if "--save" in arguments else None)
