"""A received frame: the header's fields and numpy views over the receive buffer (PROTOCOL.md §6, §7)."""

import json

import numpy as np

from . import codecs
from .wire import FLAG_BATCH, FLAG_METADATA_JSON, FLOAT32_FORMATS, THREE_PLANES, Codec, PixelFormat, raw_payload_size

# Packed formats: bytes per pixel and the channel count of the array a user gets (GRAY8 is 2-D).
_PACKED = {
    PixelFormat.BGR24: 3,
    PixelFormat.RGB24: 3,
    PixelFormat.BGRA32: 4,
    PixelFormat.GRAY8: 1,
}
PACKED_FORMATS = frozenset(_PACKED)


class Frame:
    """One FRAME. `payload` and `metadata` are memoryviews into the connection's receive buffer, and `image` and
    `planes` are numpy views of the same bytes: all of them are valid until the next frame is read from the same
    connection. Call `copy()` to keep a frame longer."""

    __slots__ = ("codec", "pixel_format", "flags", "stream_id", "width", "height", "stride", "sequence",
                 "timestamp_ns", "metadata", "payload", "_image")

    def __init__(self, header, metadata, payload, image=None):
        self.codec = header.codec
        self.pixel_format = header.pixel_format
        self.flags = header.flags
        self.stream_id = header.stream_id
        self.width = header.width
        self.height = header.height
        self.stride = header.stride
        self.sequence = header.sequence
        self.timestamp_ns = header.timestamp_ns
        self.metadata = metadata
        self.payload = payload
        self._image = image

    def __repr__(self):
        return (f"Frame(stream {self.stream_id}, sequence {self.sequence}, {self.width}x{self.height} "
                f"{self.codec.name}/{self.pixel_format.name}, {len(self.payload)} bytes)")

    @property
    def is_raw(self):
        return self.codec == Codec.RAW

    @property
    def metadata_is_json(self):
        return bool(self.flags & FLAG_METADATA_JSON)

    def metadata_json(self):
        """The metadata parsed as JSON (flag bit 0), or None when the frame carries none."""
        return json.loads(bytes(self.metadata)) if self.metadata_is_json and len(self.metadata) else None

    @property
    def is_batch(self):
        """The payload holds several images of this geometry, one after another (flag bit 1, PROTOCOL.md §7.2)."""
        return bool(self.flags & FLAG_BATCH)

    @property
    def count(self):
        """Images in the payload: 1, or a batch's N."""
        if not self.is_batch:
            return 1
        return len(self.payload) // raw_payload_size(self.pixel_format, self.width, self.height, self.stride)

    def tensor(self):
        """A model input (PROTOCOL.md §7.2) as a numpy view, batch first: (N, 3, H, W) for the CHW formats, (N, H, W, 3)
        for the HWC ones (f32, or RGB24/BGR24 as uint8). N is 1 without the batch flag. No byte is copied: the view is
        valid as long as the frame is."""
        return tensor_view(self.payload, self.pixel_format, self.width, self.height, self.stride, self.count)

    def tensor_items(self):
        """Per image of a model input from rawframes-relay --model (PROTOCOL.md §17): dicts with the source frame's
        sequence and timestamp_ns, and scale_x, scale_y, offset_x, offset_y to map boxes back (x = (x' - offset_x) /
        scale_x); an empty list when the frame carries no such metadata."""
        described = self.metadata_json()
        return described.get("tensor", {}).get("items", []) if isinstance(described, dict) else []

    @property
    def image(self):
        """Raw packed frames: a (height, width, channels) uint8 view (GRAY8: (height, width)) whose row step is the
        stride, so row padding is skipped, not copied. No pixel is copied."""
        if self._image is None:
            self._image = packed_view(self.payload, self.pixel_format, self.width, self.height, self.stride)
        return self._image

    @property
    def planes(self):
        """Raw planar frames (I420, J420, NV12): views of the planes, (Y, U, V) or (Y, UV) with UV shaped
        (rows, width/2, 2)."""
        if self.codec != Codec.RAW or self.pixel_format not in (PixelFormat.I420, PixelFormat.J420, PixelFormat.NV12):
            raise ValueError(f"{self.codec.name}/{self.pixel_format.name} frames have no planes; use image or decode()")
        return planar_views(self.payload, self.pixel_format, self.width, self.height, self.stride)

    def decode(self):
        """A BGR (or GRAY8) numpy image: the view itself for raw BGR24/GRAY8, a converted copy for RGB24/BGRA32,
        decoded for JPEG, YUV-JPEG, PNG and BMP (BMP natively; the others with OpenCV or Pillow)."""
        if self.codec == Codec.RAW:
            if self.pixel_format in (PixelFormat.BGR24, PixelFormat.GRAY8):
                return self.image
            if self.pixel_format == PixelFormat.RGB24:
                return np.ascontiguousarray(self.image[:, :, ::-1])
            if self.pixel_format == PixelFormat.BGRA32:
                return np.ascontiguousarray(self.image[:, :, :3])
            raise ValueError(f"converting {self.pixel_format.name} to BGR needs OpenCV (cv2.cvtColor on planes)")
        image = codecs.decode(self.codec, self.payload)
        if image.shape[0] != self.height or image.shape[1] != self.width:
            raise codecs.CorruptPayload(f"{self.codec.name} payload is {image.shape[1]}x{image.shape[0]}, "
                                        f"the header says {self.width}x{self.height}")
        return image

    def copy(self):
        """A frame that owns its bytes, to keep after the next frame is read."""
        header = _Fields(self)
        return Frame(header, memoryview(bytes(self.metadata)), memoryview(bytearray(self.payload)))


class _Fields:
    def __init__(self, frame):
        for name in ("codec", "pixel_format", "flags", "stream_id", "width", "height", "stride", "sequence", "timestamp_ns"):
            setattr(self, name, getattr(frame, name))


def packed_view(buffer, pixel_format, width, height, stride):
    """A numpy view of a packed raw payload honouring its stride (PROTOCOL.md §7.1)."""
    channels = _PACKED.get(pixel_format)
    if channels is None:
        raise ValueError(f"{pixel_format.name} is planar: use planes")
    if channels == 1:
        return np.ndarray((height, width), np.uint8, buffer, 0, (stride, 1))
    return np.ndarray((height, width, channels), np.uint8, buffer, 0, (stride, channels, 1))


def tensor_view(buffer, pixel_format, width, height, stride, count=1):
    """A numpy view of `count` model inputs back to back (PROTOCOL.md §7.2), honouring the stride."""
    if pixel_format in THREE_PLANES:
        dtype = np.float32 if pixel_format in FLOAT32_FORMATS else np.uint8
        item = np.dtype(dtype).itemsize
        return np.ndarray((count, 3, height, width), dtype, buffer, 0, (3 * stride * height, stride * height, stride, item))
    if pixel_format in FLOAT32_FORMATS:
        return np.ndarray((count, height, width, 3), np.float32, buffer, 0, (stride * height, stride, 12, 4))
    if pixel_format in (PixelFormat.RGB24, PixelFormat.BGR24):
        return np.ndarray((count, height, width, 3), np.uint8, buffer, 0, (stride * height, stride, 3, 1))
    raise ValueError(f"{pixel_format.name} is not a model input format (PROTOCOL.md §7.2)")


def planar_views(buffer, pixel_format, width, height, stride):
    """Views of the planes of a raw I420/J420/NV12 payload (PROTOCOL.md §7.1)."""
    half_w, half_h = (width + 1) // 2, (height + 1) // 2
    y = np.ndarray((height, width), np.uint8, buffer, 0, (stride, 1))
    offset = stride * height
    if pixel_format == PixelFormat.NV12:
        return y, np.ndarray((half_h, half_w, 2), np.uint8, buffer, offset, (stride, 2, 1))
    chroma_stride = (stride + 1) // 2
    u = np.ndarray((half_h, half_w), np.uint8, buffer, offset, (chroma_stride, 1))
    v = np.ndarray((half_h, half_w), np.uint8, buffer, offset + chroma_stride * half_h, (chroma_stride, 1))
    return y, u, v
