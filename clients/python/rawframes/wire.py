"""PROTOCOL.md as bytes: constants, the error codes, and pure parsers that validate in the document's order.

Nothing here does I/O. Every parser takes the bytes of one structure and either returns its fields or raises
ProtocolError with the code PROTOCOL.md §9 names, so that this module and the C# reference report the same error for
the same bytes.
"""

import enum
import hashlib
import hmac
import struct

MAGIC = b"RFRM"
VERSION = 1
PREAMBLE = MAGIC + struct.pack("<HH", VERSION, 0)
PREAMBLE_SIZE = 8
MESSAGE_HEADER_SIZE = 8  # u32 length, u8 type, 3 reserved bytes
FRAME_HEADER_SIZE = 40
DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024 * 1024
MIN_MAX_MESSAGE_LENGTH = 4096
MAX_DIMENSION = 65535
PAYLOAD_ALIGNMENT = 8
MAX_ERROR_REASON_BYTES = 1024
MAX_SOFTWARE_BYTES = 256
HELLO_FIXED_SIZE = 16
HELLO_MAX_BODY_SIZE = 4096
SOFTWARE_OPTION = 1
TOKEN_OPTION = 2  # §5.1, §14: a producer's shared secret
MAX_TOKEN_BYTES = 1024
SUBSCRIPTION_OPTION = 3  # §16.1: a consumer's request to a relay
REPLAY_OPTION = 4  # §18: a producer replaying frames captured earlier
SUBSCRIPTION = struct.Struct("<BBBBII")
MAX_QUEUE_FRAMES = 1024
ANY_CODEC = 255
ANY_STREAM = 0xFFFFFFFF

# A message header is one u32 length and one u32 whose low byte is the type and whose high bytes are reserved.
MESSAGE_HEADER = struct.Struct("<II")
# codec, pixel format, flags, stream id, width, height, stride, metadata length, sequence, timestamp (§6).
FRAME_HEADER = struct.Struct("<BBHIIIIIQq")
HELLO_FIXED = struct.Struct("<B3xIII")
OPTION_HEADER = struct.Struct("<HH")
ACK = struct.Struct("<I4xQq")
RESULT_HEADER = struct.Struct("<IIQ")
ERROR_CODE = struct.Struct("<I")
TOKEN = struct.Struct("<Q")


class MessageType(enum.IntEnum):
    HELLO = 0x01
    FRAME = 0x02
    END = 0x03
    ERROR = 0x04
    PING = 0x05
    PONG = 0x06
    RING = 0x07
    SHARED_FRAME = 0x08
    ACK = 0x10
    RESULT = 0x11
    RELEASE = 0x12


# §4: the body length each type allows, inclusive.
BODY_LENGTHS = {
    MessageType.HELLO: (HELLO_FIXED_SIZE, HELLO_MAX_BODY_SIZE),
    MessageType.FRAME: (FRAME_HEADER_SIZE, 1 << 32),
    MessageType.END: (0, 0),
    MessageType.ERROR: (4, 4 + MAX_ERROR_REASON_BYTES),
    MessageType.PING: (8, 8),
    MessageType.PONG: (8, 8),
    MessageType.ACK: (ACK.size, ACK.size),
    MessageType.RESULT: (RESULT_HEADER.size, 1 << 32),
    MessageType.RING: (16 + 1, 16 + 255),
    MessageType.SHARED_FRAME: (FRAME_HEADER_SIZE + 16, 1 << 32),
    MessageType.RELEASE: (8, 8),
}


class Role(enum.IntEnum):
    PRODUCER = 1
    CONSUMER = 2


class Capability(enum.IntFlag):
    NONE = 0
    ACK = 1
    RESULT = 2
    SHARED_MEMORY = 4  # §15
    MODEL_INPUTS = 8  # §7.2: pixel formats 8-13 and the batch flag (the producer may send them, the consumer reads them)


class _Named(enum.IntEnum):
    """Prints as the name the programs use ("jpeg", "bgr24"), not as its number."""

    def __str__(self):
        return self.name.lower().replace("_", "-") if isinstance(self, Codec) else self.name.lower()

    def __format__(self, spec):  # f"{frame.codec}" reads as str() does
        return format(str(self), spec)


class Policy(enum.IntEnum):
    """§16.1: what a relay sends a subscriber that falls behind."""
    LOSSLESS = 0  # every frame, queued up to the subscription's queue
    LATEST = 1    # only the newest frame; older ones are dropped and show as sequence gaps


class WhenFull(enum.IntEnum):
    """§16.1: what a relay does when a lossless subscriber's queue is full."""
    LATEST = 0      # switch it to the latest policy
    DISCONNECT = 1  # end it with ERROR TooSlow


class Codec(_Named):
    RAW = 0
    JPEG = 1
    YUV_JPEG = 2
    PNG = 3
    BMP = 4


class PixelFormat(_Named):
    BGR24 = 1
    RGB24 = 2
    BGRA32 = 3
    GRAY8 = 4
    I420 = 5
    J420 = 6
    NV12 = 7
    # §7.2: model inputs (tensors)
    RGB_F32_CHW = 8
    BGR_F32_CHW = 9
    RGB_U8_CHW = 10
    BGR_U8_CHW = 11
    RGB_F32_HWC = 12
    BGR_F32_HWC = 13


THREE_PLANES = (PixelFormat.RGB_F32_CHW, PixelFormat.BGR_F32_CHW, PixelFormat.RGB_U8_CHW, PixelFormat.BGR_U8_CHW)
FLOAT32_FORMATS = (PixelFormat.RGB_F32_CHW, PixelFormat.BGR_F32_CHW, PixelFormat.RGB_F32_HWC, PixelFormat.BGR_F32_HWC)


# §7: the pixel formats a compressed codec's pixel format field may name.
CODED_FROM = {
    Codec.JPEG: (PixelFormat.BGR24, PixelFormat.GRAY8),
    Codec.YUV_JPEG: (PixelFormat.J420,),
    Codec.PNG: (PixelFormat.BGR24, PixelFormat.GRAY8),
    Codec.BMP: (PixelFormat.BGR24,),
}

FLAG_METADATA_JSON = 1
FLAG_BATCH = 2  # §6: the raw payload is N >= 1 images of the header's geometry
RESULT_FLAG_JSON = 1


class ErrorCode(enum.IntEnum):
    BAD_MAGIC = 1
    UNSUPPORTED_VERSION = 2
    MESSAGE_TOO_LARGE = 3
    MALFORMED_MESSAGE = 4
    UNKNOWN_MESSAGE_TYPE = 5
    UNKNOWN_CODEC = 6
    UNKNOWN_PIXEL_FORMAT = 7
    RESERVED_BIT_SET = 8
    PAYLOAD_SIZE_MISMATCH = 9
    UNEXPECTED_MESSAGE = 10
    TRUNCATED_STREAM = 11
    TIMEOUT = 12
    UNAUTHORIZED = 13
    CONNECTION_LIMIT = 14
    SHUTTING_DOWN = 15
    TOO_SLOW = 16
    NOT_CAPABLE = 17


def error_name(code):
    """The PROTOCOL.md name of an error code ("MessageTooLarge"), or its number for application codes."""
    try:
        return "".join(part.capitalize() for part in ErrorCode(code).name.split("_"))
    except ValueError:
        return f"code {code}"


class ProtocolError(Exception):
    """The peer broke PROTOCOL.md; `code` is the §9 error code this side reports (and sends, when it still can)."""

    def __init__(self, code, reason, *, probe=False):
        super().__init__(f"{error_name(code)}: {reason}")
        self.code = ErrorCode(code)
        self.reason = reason
        # §9: closed before its first byte (a health check, a port scan): the protocol never began, not an error.
        self.probe = probe


class PeerError(Exception):
    """The peer sent ERROR (§8) and closed: its code and reason."""

    def __init__(self, code, reason):
        super().__init__(f"peer sent ERROR {error_name(code)}: {reason}")
        self.code = code
        self.reason = reason


HTTP_METHODS = (b"GET ", b"POST", b"HEAD", b"PUT ", b"OPTI", b"DELE", b"PATC", b"CONN", b"PRI ")


def check_magic(first4):
    """§2.2: the magic is judged as soon as its 4 bytes are in."""
    if bytes(first4) != MAGIC:
        hint = " (an HTTP request)" if bytes(first4) in HTTP_METHODS else ""
        raise ProtocolError(ErrorCode.BAD_MAGIC, f"bad magic {bytes(first4).hex()}{hint}: the peer does not speak RawFrames")


def parse_preamble(data):
    """§2: magic, then version, then the reserved bytes."""
    check_magic(data[:4])
    version, reserved = struct.unpack_from("<HH", data, 4)
    if version != VERSION:
        raise ProtocolError(ErrorCode.UNSUPPORTED_VERSION, f"peer speaks protocol version {version}; this side speaks {VERSION}")
    if reserved:
        raise ProtocolError(ErrorCode.RESERVED_BIT_SET, "reserved bytes 6-7 of the preamble are not zero")


def check_length(length, max_message_length):
    """§3.1: judged from the 4 prefix bytes alone, before anything is read or allocated for the body."""
    if length > max_message_length:
        raise ProtocolError(ErrorCode.MESSAGE_TOO_LARGE, f"message length {length} exceeds the maximum {max_message_length}")
    if length < 4:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"message length {length} is below the minimum 4")


def parse_message_header(data, max_message_length):
    """§3.2: length against the limit, length at least 4, type known, body length allowed, reserved bytes zero.

    Returns (type, body length)."""
    length, word = MESSAGE_HEADER.unpack_from(data)
    check_length(length, max_message_length)
    type_byte = word & 0xFF
    try:
        message_type = MessageType(type_byte)
    except ValueError:
        raise ProtocolError(ErrorCode.UNKNOWN_MESSAGE_TYPE, f"unknown message type 0x{type_byte:02X}") from None
    body_length = length - 4
    low, high = BODY_LENGTHS[message_type]
    if not low <= body_length <= high:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"{message_type.name} body is {body_length} bytes; it must be {low} to {high}")
    if word >> 8:
        raise ProtocolError(ErrorCode.RESERVED_BIT_SET, f"reserved bytes 5-7 of a {message_type.name} message header are not zero")
    return message_type, body_length


def message_header(message_type, body_length):
    return MESSAGE_HEADER.pack(body_length + 4, message_type)


class Hello:
    __slots__ = ("role", "max_message_length", "capabilities", "idle_timeout_ms", "software", "token", "subscription", "replay")

    def __init__(self, role, max_message_length=DEFAULT_MAX_MESSAGE_LENGTH, capabilities=0, idle_timeout_ms=0, software=None,
                 token=None, subscription=None, replay=False):
        self.role = Role(role)
        self.max_message_length = max_message_length
        self.capabilities = Capability(capabilities)
        self.idle_timeout_ms = idle_timeout_ms
        self.software = software
        self.token = token  # bytes or None; never logged
        self.subscription = subscription  # a consumer's request to a relay (subscription_option), or None
        self.replay = replay  # option 4 (§18): a producer sending frames captured earlier; no latency from their times

    def to_bytes(self):
        body = HELLO_FIXED.pack(self.role, self.max_message_length, self.capabilities, self.idle_timeout_ms)
        if self.software is not None:
            text = _cut_utf8(self.software, MAX_SOFTWARE_BYTES)
            body += OPTION_HEADER.pack(SOFTWARE_OPTION, len(text)) + text
        if self.token is not None:
            if not 1 <= len(self.token) <= MAX_TOKEN_BYTES:
                raise ValueError(f"a token is 1 to {MAX_TOKEN_BYTES} bytes, not {len(self.token)}")
            body += OPTION_HEADER.pack(TOKEN_OPTION, len(self.token)) + bytes(self.token)
        if self.subscription is not None:
            body += OPTION_HEADER.pack(SUBSCRIPTION_OPTION, len(self.subscription)) + self.subscription
        if self.replay:
            body += OPTION_HEADER.pack(REPLAY_OPTION, 0)
        return message_header(MessageType.HELLO, len(body)) + body

    @classmethod
    def parse(cls, body):
        """§5: role, reserved bytes, maximum length, then the options (unknown keys skipped)."""
        role = body[0]
        if role not in (Role.PRODUCER, Role.CONSUMER):
            raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"HELLO role {role} is neither 1 (producer) nor 2 (consumer)")
        if any(body[1:4]):
            raise ProtocolError(ErrorCode.RESERVED_BIT_SET, "reserved bytes 1-3 of HELLO are not zero")
        max_length, capabilities, idle_timeout_ms = struct.unpack_from("<III", body, 4)
        if max_length < MIN_MAX_MESSAGE_LENGTH:
            raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"HELLO max message length {max_length} is below {MIN_MAX_MESSAGE_LENGTH}")
        software = token = None
        replay = False
        offset = HELLO_FIXED_SIZE
        while offset < len(body):
            if len(body) - offset < OPTION_HEADER.size:
                raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"HELLO option header truncated: {len(body) - offset} bytes left")
            key, length = OPTION_HEADER.unpack_from(body, offset)
            offset += OPTION_HEADER.size
            if len(body) - offset < length:
                raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"HELLO option {key} claims {length} bytes, {len(body) - offset} left")
            # Known options are checked whatever the role, so the same bytes give the same outcome everywhere.
            if key == SOFTWARE_OPTION:
                software = bytes(body[offset:offset + length]).decode("utf-8", "replace")
            elif key == TOKEN_OPTION:
                if not 1 <= length <= MAX_TOKEN_BYTES:
                    raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"HELLO token option is {length} bytes; it must be 1 to {MAX_TOKEN_BYTES}")
                token = bytes(body[offset:offset + length])
            elif key == SUBSCRIPTION_OPTION:
                parse_subscription(body[offset:offset + length])
            elif key == REPLAY_OPTION:
                replay = True  # its value is ignored (sent empty)
            offset += length
        return cls(role, max_length, capabilities, idle_timeout_ms, software, token, replay=replay)


def subscription_option(policy=Policy.LOSSLESS, when_full=WhenFull.LATEST, codec=None, queue=0, stream=None):
    """§16.1: the HELLO subscription option's 12 bytes. `queue` 0 takes the relay's default; `codec` None takes frames
    as they arrive; `stream` None takes every stream."""
    if not 0 <= queue <= MAX_QUEUE_FRAMES:
        raise ValueError(f"a subscription's queue is 0 (the relay's default) to {MAX_QUEUE_FRAMES} frames, not {queue}")
    if stream is not None and not 0 <= stream < ANY_STREAM:
        raise ValueError(f"a stream id is 0 to {ANY_STREAM - 1}, not {stream}")
    return SUBSCRIPTION.pack(Policy(policy), WhenFull(when_full), ANY_CODEC if codec is None else Codec(codec), 0, queue,
                             ANY_STREAM if stream is None else stream)


def parse_subscription(value):
    """§16.1 in field order: (policy, when full, codec or None, queue, stream or None)."""
    if len(value) != SUBSCRIPTION.size:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"HELLO subscription option is {len(value)} bytes; it must be {SUBSCRIPTION.size}")
    policy, when_full, codec, reserved, queue, stream = SUBSCRIPTION.unpack_from(value)
    if policy > 1 or when_full > 1:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"HELLO subscription: policy {policy} or when-full {when_full} is not defined")
    if codec > Codec.BMP and codec != 255:
        raise ProtocolError(ErrorCode.UNKNOWN_CODEC, f"HELLO subscription asks for unknown codec {codec}")
    if reserved:
        raise ProtocolError(ErrorCode.RESERVED_BIT_SET, "reserved byte 3 of the HELLO subscription option is not zero")
    if queue > MAX_QUEUE_FRAMES:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"HELLO subscription queue of {queue} frames exceeds {MAX_QUEUE_FRAMES}")
    return policy, when_full, None if codec == 255 else Codec(codec), queue, None if stream == 0xFFFFFFFF else stream


def token_matches(expected, presented):
    """§14: constant time whatever the lengths: both are hashed, and the hashes compared with compare_digest."""
    if presented is None:
        return False
    return hmac.compare_digest(hashlib.sha256(expected).digest(), hashlib.sha256(presented).digest())


class FrameHeader:
    """§6: the 40 bytes at the start of a FRAME body, with the payload's place in the body."""

    __slots__ = ("codec", "pixel_format", "flags", "stream_id", "width", "height", "stride", "metadata_length",
                 "sequence", "timestamp_ns", "payload_offset", "payload_length")

    @classmethod
    def parse(cls, data, body_length, model_inputs=True):
        """§6.1, in its order: codec, pixel format, flags, geometry, metadata fit, then the payload size.
        `model_inputs`: pixel formats 8-13 and the batch flag were negotiated in HELLO (§7.2), or there is no HELLO (a
        recording, a NATS message); otherwise they are unknown and reserved, as to a peer that never heard of them."""
        (codec, pixel_format, flags, stream_id, width, height, stride, metadata_length, sequence,
         timestamp_ns) = FRAME_HEADER.unpack_from(data)
        try:
            codec = Codec(codec)
        except ValueError:
            raise ProtocolError(ErrorCode.UNKNOWN_CODEC, f"unknown codec {codec}") from None
        try:
            pixel_format = PixelFormat(pixel_format)
        except ValueError:
            raise ProtocolError(ErrorCode.UNKNOWN_PIXEL_FORMAT, f"unknown pixel format {pixel_format}") from None
        if not model_inputs and pixel_format >= PixelFormat.RGB_F32_CHW:
            raise ProtocolError(ErrorCode.UNKNOWN_PIXEL_FORMAT, f"pixel format {int(pixel_format)} is a model input, and model inputs were not "
                                "negotiated (both HELLOs set capability bit 3, MODEL_INPUTS: PROTOCOL.md §5, §7.2)")
        if flags & ~(FLAG_METADATA_JSON | (FLAG_BATCH if model_inputs else 0)):
            if not flags & ~(FLAG_METADATA_JSON | FLAG_BATCH):
                raise ProtocolError(ErrorCode.RESERVED_BIT_SET, "frame flag bit 1 (batch) is set, and model inputs were not negotiated "
                                    "(both HELLOs set capability bit 3, MODEL_INPUTS: PROTOCOL.md §5, §7.2)")
            raise ProtocolError(ErrorCode.RESERVED_BIT_SET, f"reserved frame flag bits set: 0x{flags:04X}")
        if not (1 <= width <= MAX_DIMENSION and 1 <= height <= MAX_DIMENSION):
            raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"frame geometry {width}x{height} is outside 1x1 to 65535x65535")
        payload_offset = FRAME_HEADER_SIZE + metadata_length + padding(metadata_length)
        payload_length = body_length - payload_offset
        if payload_length < 0:
            raise ProtocolError(ErrorCode.MALFORMED_MESSAGE,
                                f"metadata of {metadata_length} bytes (plus padding) does not fit in a frame body of {body_length} bytes")
        if codec == Codec.RAW:
            minimum = min_stride(pixel_format, width)
            if stride < minimum:
                raise ProtocolError(ErrorCode.MALFORMED_MESSAGE,
                                    f"stride {stride} is less than the {minimum} bytes a {pixel_format.name} row of width {width} needs")
            expected = raw_payload_size(pixel_format, width, height, stride)
            if flags & FLAG_BATCH:
                if payload_length == 0 or payload_length % expected:
                    raise ProtocolError(ErrorCode.PAYLOAD_SIZE_MISMATCH,
                                        f"a batch of raw {pixel_format.name} is {payload_length} bytes, not a whole number (1 or more) of "
                                        f"{width}x{height} images of {expected} bytes")
            elif payload_length != expected:
                raise ProtocolError(ErrorCode.PAYLOAD_SIZE_MISMATCH,
                                    f"raw {pixel_format.name} payload is {payload_length} bytes; {width}x{height} with stride {stride} needs {expected}")
        else:
            if stride:
                raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"stride must be 0 for codec {codec.name}, got {stride}")
            if payload_length == 0:
                raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"empty {codec.name} payload")
            if flags & FLAG_BATCH:
                raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"a {codec.name} payload cannot be a batch: flag bit 1 is for raw frames")
            if pixel_format not in CODED_FROM[codec]:
                allowed = " or ".join(f.name for f in CODED_FROM[codec])
                raise ProtocolError(ErrorCode.MALFORMED_MESSAGE,
                                    f"a {codec.name} payload cannot have pixel format {pixel_format.name}; PROTOCOL.md §7 allows {allowed}")
        header = cls()
        header.codec, header.pixel_format, header.flags, header.stream_id = codec, pixel_format, flags, stream_id
        header.width, header.height, header.stride, header.metadata_length = width, height, stride, metadata_length
        header.sequence, header.timestamp_ns = sequence, timestamp_ns
        header.payload_offset, header.payload_length = payload_offset, payload_length
        return header


# §15: shared memory. RING: slot count, reserved, slot size, then the path; SHARED_FRAME: the frame header, then slot,
# reserved and payload length, then the metadata; RELEASE: slot, reserved.
RING_FIXED = struct.Struct("<IIQ")
SLOT_REFERENCE = struct.Struct("<IIQ")
RELEASE = struct.Struct("<II")
MAX_SLOTS = 64
SLOT_ALIGNMENT = 4096
MAX_SLOT_BYTES = 1 << 30
RING_PREFIX = "/dev/shm/rawframes-"
_RING_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def parse_ring(body):
    """§15.2 in field order: (slot count, slot size, path). The path may only name /dev/shm/rawframes-NAME, since the
    consumer opens and unlinks it."""
    slots, reserved, slot_size = RING_FIXED.unpack_from(body)
    if not 1 <= slots <= MAX_SLOTS:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"RING announces {slots} slots; 1 to {MAX_SLOTS} are allowed")
    if reserved:
        raise ProtocolError(ErrorCode.RESERVED_BIT_SET, "reserved bytes 4-7 of RING are not zero")
    if slot_size == 0 or slot_size % SLOT_ALIGNMENT or slot_size > MAX_SLOT_BYTES:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"RING slot size {slot_size} must be a non-zero multiple of 4096 up to 2^30")
    path = bytes(body[RING_FIXED.size:]).decode("utf-8", "replace")
    name = path[len(RING_PREFIX):]
    if not path.startswith(RING_PREFIX) or not name or ".." in name or not set(name) <= _RING_NAME:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"RING path {path[:80]!r} is not a file {RING_PREFIX}NAME")
    return slots, slot_size, path


def parse_release(body):
    """§15.4: the slot."""
    slot, reserved = RELEASE.unpack_from(body)
    if reserved:
        raise ProtocolError(ErrorCode.RESERVED_BIT_SET, "reserved bytes 4-7 of RELEASE are not zero")
    if slot >= MAX_SLOTS:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"RELEASE names slot {slot}; a ring has at most {MAX_SLOTS}")
    return slot


def check_body(kind, body, max_message_length):
    """§3.2 step 5: a whole body judged on its own bytes, before its place in the conversation (step 6) and its effect
    on the connection (a second RING, a slot never lent)."""
    if kind == MessageType.HELLO:
        Hello.parse(body)
    elif kind == MessageType.ACK:
        parse_ack(body)
    elif kind == MessageType.RESULT:
        parse_result(body)
    elif kind == MessageType.RELEASE:
        parse_release(body)
    elif kind == MessageType.RING:
        slots, slot_size, path = parse_ring(body)
        if slot_size > max_message_length:
            raise ProtocolError(ErrorCode.MESSAGE_TOO_LARGE,
                                f"RING slots of {slot_size} bytes exceed this side's maximum message length {max_message_length}")


def parse_slot_reference(data):
    """§15.3: the 16 bytes after a SHARED_FRAME's frame header: (slot, payload length)."""
    slot, reserved, length = SLOT_REFERENCE.unpack_from(data)
    if reserved:
        raise ProtocolError(ErrorCode.RESERVED_BIT_SET, "reserved bytes 44-47 of SHARED_FRAME are not zero")
    if slot >= MAX_SLOTS or length > MAX_SLOT_BYTES:
        raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"SHARED_FRAME names slot {slot} with {length} bytes, beyond any ring")
    return slot, length


def padding(metadata_length):
    """Zero bytes after the metadata that make the payload start 8-aligned in the message (§6)."""
    return -metadata_length % PAYLOAD_ALIGNMENT


def _half(x):
    return (x + 1) // 2


def min_stride(pixel_format, width):
    """§7.1: the smallest legal stride."""
    if pixel_format in (PixelFormat.BGR24, PixelFormat.RGB24):
        return 3 * width
    if pixel_format == PixelFormat.BGRA32:
        return 4 * width
    if pixel_format == PixelFormat.NV12:
        return 2 * _half(width)
    if pixel_format in (PixelFormat.RGB_F32_CHW, PixelFormat.BGR_F32_CHW):
        return 4 * width
    if pixel_format in (PixelFormat.RGB_F32_HWC, PixelFormat.BGR_F32_HWC):
        return 12 * width
    return width  # GRAY8, I420, J420, RGB_U8_CHW, BGR_U8_CHW


def raw_payload_size(pixel_format, width, height, stride):
    """§7.1: the exact size of a raw payload, padding of the last row included."""
    if pixel_format in (PixelFormat.I420, PixelFormat.J420):
        return stride * height + 2 * _half(stride) * _half(height)
    if pixel_format == PixelFormat.NV12:
        return stride * height + stride * _half(height)
    if pixel_format in THREE_PLANES:
        return 3 * stride * height
    return stride * height


def parse_error(body):
    """§8: code and reason; invalid UTF-8 in the reason is replaced, never an error."""
    (code,) = ERROR_CODE.unpack_from(body)
    return code, bytes(body[4:]).decode("utf-8", "replace")


def error_message(code, reason):
    body = ERROR_CODE.pack(code) + _cut_utf8(reason, MAX_ERROR_REASON_BYTES)
    return message_header(MessageType.ERROR, len(body)) + body


def parse_ack(body):
    """§10.1: (stream id, sequence, received at ns)."""
    if any(body[4:8]):
        raise ProtocolError(ErrorCode.RESERVED_BIT_SET, "reserved bytes 4-7 of ACK are not zero")
    return ACK.unpack_from(body)


def parse_result(body):
    """§10.2: (stream id, flags, sequence, result bytes)."""
    stream_id, flags, sequence = RESULT_HEADER.unpack_from(body)
    if flags & ~RESULT_FLAG_JSON:
        raise ProtocolError(ErrorCode.RESERVED_BIT_SET, f"reserved RESULT flag bits set: 0x{flags:08X}")
    return stream_id, flags, sequence, bytes(body[RESULT_HEADER.size:])


def _cut_utf8(text, limit):
    """UTF-8 bytes of text, cut at a character boundary so they fit in limit bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return data
    return data[:limit].decode("utf-8", "ignore").encode("utf-8")
