"""The reference programs' built-in test source, so Python can send frames `rawframes-recv --verify` accepts and
verify what `rawframes-send` sends (PROTOCOL.md appendix A).

Pixel i of an endless tape has the 24-bit colour i mod 2^24, stored B, G, R = its low, middle, high byte. Frame N
of a geometry is the `stride * height` bytes of the tape starting at pixel (N * 7919) mod 2^20.
"""

import functools

import numpy as np

from . import codecs
from .wire import Codec, PixelFormat

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


def luma(bgr):
    """Full-range BT.601 luma (JPEG's Y) of a BGR image, as float32."""
    bgr = bgr.astype(np.float32)
    return 0.114 * bgr[..., 0] + 0.587 * bgr[..., 1] + 0.299 * bgr[..., 2]


def luma_psnr(a, b):
    """PSNR of the luma planes of two BGR images. Lossy frames are judged on luma, as the reference receiver does:
    the pattern puts full-resolution colour edges in every 2x2 block, which any 4:2:0 codec must blur."""
    difference = luma(a) - luma(b)
    mse = float(np.mean(difference * difference))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 * 255.0 / mse)


def check(frame, min_psnr=25.0):
    """(problem or None, luma PSNR for lossy frames) against the synthetic pattern regenerated from the sequence."""
    expected = pattern(frame.width, frame.height, frame.stride if frame.is_raw else 0)
    if frame.codec == Codec.RAW:
        if frame.pixel_format != PixelFormat.BGR24:
            return f"frame {frame.sequence}: raw {frame.pixel_format.name} is not the BGR24 pattern", None
        if not np.array_equal(np.frombuffer(frame.payload, np.uint8), expected.frame(frame.sequence)):
            return f"frame {frame.sequence}: raw payload differs from the pattern", None
        return None, None
    try:
        image = frame.decode()
    except (codecs.CorruptPayload, codecs.CodecUnavailable) as error:
        return f"frame {frame.sequence}: {error}", None
    if frame.codec in (Codec.PNG, Codec.BMP):
        exact = np.array_equal(image, expected.image(frame.sequence))
        return (None if exact else f"frame {frame.sequence}: lossless {frame.codec.name} differs from the pattern"), None
    quality = luma_psnr(image, expected.image(frame.sequence))
    if quality < min_psnr:
        return f"frame {frame.sequence}: luma PSNR {quality:.1f} dB is below {min_psnr} dB", quality
    return None, quality
