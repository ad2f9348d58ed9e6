"""Compressed payloads (PROTOCOL.md §7) to and from numpy images.

BMP is decoded here with numpy. JPEG, YUV-JPEG and PNG use OpenCV when it is importable (Debian: python3-opencv),
otherwise Pillow (python3-pil); with neither, decoding those codecs raises CodecUnavailable and the payload is still
available as bytes.
"""

import io
import struct

import numpy as np

from .wire import Codec

try:
    import cv2
except ImportError:
    cv2 = None
try:
    from PIL import Image
except ImportError:
    Image = None


class CodecUnavailable(RuntimeError):
    """Neither OpenCV nor Pillow is importable."""


class CorruptPayload(ValueError):
    """A compressed payload that does not decode (PROTOCOL.md §7: a corrupt frame, not a protocol error)."""


def backend():
    """Which library decodes and encodes JPEG and PNG here: "opencv", "pillow" or None."""
    return "opencv" if cv2 is not None else "pillow" if Image is not None else None


def decode(codec, payload):
    """A BGR (height, width, 3) or grayscale (height, width) uint8 image from a compressed payload."""
    if codec == Codec.BMP:
        return decode_bmp(payload)
    if cv2 is not None:
        image = cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise CorruptPayload(f"OpenCV could not decode the {Codec(codec).name} payload ({len(payload)} bytes)")
        return image
    if Image is not None:
        try:
            with Image.open(io.BytesIO(payload)) as picture:
                picture.load()
                if picture.mode == "L":
                    return np.asarray(picture)
                return np.ascontiguousarray(np.asarray(picture.convert("RGB"))[:, :, ::-1])
        except (OSError, SyntaxError, ValueError) as error:
            raise CorruptPayload(f"Pillow could not decode the {Codec(codec).name} payload: {error}") from None
    raise CodecUnavailable(f"decoding {Codec(codec).name} needs OpenCV or Pillow: apt-get install python3-opencv (or python3-pil)")


def encode_jpeg(bgr, quality=80):
    """JPEG bytes of a BGR (or grayscale) image."""
    if cv2 is not None:
        ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        if not ok:
            raise ValueError("OpenCV could not encode the image as JPEG")
        return data.tobytes()
    if Image is not None:
        rgb = bgr if bgr.ndim == 2 else np.ascontiguousarray(bgr[:, :, 2::-1])
        out = io.BytesIO()
        Image.fromarray(rgb).save(out, format="JPEG", quality=int(quality))
        return out.getvalue()
    raise CodecUnavailable("encoding JPEG needs OpenCV or Pillow: apt-get install python3-opencv (or python3-pil)")


_BMP_HEADER = struct.Struct("<2sIHHIIiiHHI")  # file header (14 bytes) and BITMAPINFOHEADER up to the compression field


def decode_bmp(payload):
    """§7 codec 4: BITMAPINFOHEADER, 24 bits per pixel, BI_RGB, bottom-up or top-down rows padded to 4 bytes."""
    if len(payload) < _BMP_HEADER.size:
        raise CorruptPayload(f"BMP payload of {len(payload)} bytes is shorter than its headers")
    (magic, _, _, _, pixels_at, info_size, width, height, _, bits, compression) = _BMP_HEADER.unpack_from(payload)
    if magic != b"BM" or info_size < 40 or bits != 24 or compression != 0 or width <= 0 or height == 0:
        raise CorruptPayload(f"not a 24-bit uncompressed BMP (magic {magic!r}, {bits} bits, compression {compression})")
    rows = abs(height)
    row_bytes = (width * 3 + 3) & ~3
    if pixels_at + row_bytes * rows > len(payload):
        raise CorruptPayload(f"BMP pixels need {pixels_at + row_bytes * rows} bytes, the payload has {len(payload)}")
    image = np.ndarray((rows, width, 3), np.uint8, payload, pixels_at, (row_bytes, 3, 1))
    return np.ascontiguousarray(image[::-1] if height > 0 else image)


def jpeg_size(data):
    """(width, height) from a JPEG's start-of-frame marker; ValueError when there is none before the scan."""
    view = memoryview(data)
    if bytes(view[:2]) != b"\xff\xd8":
        raise ValueError("not a JPEG: it does not start with SOI (FF D8)")
    at = 2
    while at + 4 <= len(view):
        if view[at] != 0xFF:
            raise ValueError(f"not a JPEG: no marker at byte {at}")
        marker = view[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = (view[at + 2] << 8) | view[at + 3]
        # SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the geometry.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and at + 9 <= len(view):
            height = (view[at + 5] << 8) | view[at + 6]
            width = (view[at + 7] << 8) | view[at + 8]
            return width, height
        if marker == 0xDA:
            break
        at += 2 + length
    raise ValueError("not a JPEG: no start-of-frame marker before the scan")
