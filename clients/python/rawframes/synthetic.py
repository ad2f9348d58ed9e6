"""The reference programs' built-in test source, so Python can send frames `rawframes-recv --verify` accepts and
verify what `rawframes-send` sends (PROTOCOL.md appendix A).

Pixel i of an endless tape has the 24-bit colour i mod 2^24, stored B, G, R = its low, middle, high byte. Frame N
of a geometry is the `stride * height` bytes of the tape starting at pixel (N * 7919) mod 2^20.
"""

import functools

import numpy as np

PERIOD = 1 << 20
STEP = 7919


class SyntheticPattern:
    def __init__(self, width, height, stride=0):
        if width < 1 or height < 1:
            raise ValueError(f"geometry {width}x{height} must be at least 1x1")
        self.width, self.height = width, height
        self.stride = stride or width * 3
        if self.stride < width * 3:
            raise ValueError(f"stride {self.stride} is less than width * 3 = {width * 3}")
        self.frame_bytes = self.stride * height
        tape_bytes = self.frame_bytes + PERIOD * 3
        pixels = np.arange((tape_bytes + 2) // 3, dtype=np.uint32) & 0xFFFFFF
        # Little-endian u32 bytes are B, G, R, 0: keep the first three of each.
        self._tape = np.ascontiguousarray(pixels.view(np.uint8).reshape(-1, 4)[:, :3]).reshape(-1)[:tape_bytes]

    def frame(self, sequence):
        """Frame `sequence` as `stride * height` bytes (a read-only view of the tape, row padding included)."""
        start = (sequence * STEP % PERIOD) * 3
        view = self._tape[start:start + self.frame_bytes]
        view.flags.writeable = False
        return view

    def image(self, sequence):
        """Frame `sequence` as a (height, width, 3) BGR view honouring the stride."""
        return np.ndarray((self.height, self.width, 3), np.uint8, self.frame(sequence), 0, (self.stride, 3, 1))


@functools.lru_cache(maxsize=8)
def pattern(width, height, stride=0):
    """The shared pattern for a geometry (built once: about 3 MiB more than one frame)."""
    return SyntheticPattern(width, height, stride)


def psnr(a, b):
    """Peak signal-to-noise ratio in dB of two equally shaped uint8 images; inf when identical."""
    difference = a.astype(np.int32) - b.astype(np.int32)
    mse = float(np.mean(difference * difference))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 * 255.0 / mse)
