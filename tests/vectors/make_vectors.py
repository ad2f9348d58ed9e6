#!/usr/bin/env python3
"""Writes the PROTOCOL.md v1 golden vectors: NAME.bin (the bytes a consumer reads from a producer) and NAME.json
(what the bytes contain and the outcome every conformant consumer must report); and producer/NAME.bin and .json, the
same for the bytes a producer reads from the consumer it connected to.

Written from PROTOCOL.md with nothing but the struct module, independently of the C# writer, so the C# tests check
the C# code against the document and not against itself. Run it from this folder; it is deterministic.
"""
import json
import struct

DEFAULT_MAX = 64 * 1024 * 1024
TS = 1_700_000_000_123_456_789  # 2023-11-14T22:13:20.123456789Z, nanoseconds since the Unix epoch

ERRORS = {
    "BadMagic": 1, "UnsupportedVersion": 2, "MessageTooLarge": 3, "MalformedMessage": 4, "UnknownMessageType": 5,
    "UnknownCodec": 6, "UnknownPixelFormat": 7, "ReservedBitSet": 8, "PayloadSizeMismatch": 9,
    "UnexpectedMessage": 10, "TruncatedStream": 11,
}
TYPES = {1: "HELLO", 2: "FRAME", 3: "END", 4: "ERROR", 5: "PING", 6: "PONG", 7: "RING", 8: "SHARED_FRAME", 0x10: "ACK", 0x11: "RESULT",
         0x12: "RELEASE"}


def preamble(version=1, magic=b"RFRM"):
    return magic + struct.pack("<HH", version, 0)


def message(mtype, body, reserved=b"\0\0\0", length=None):
    return struct.pack("<I", 4 + len(body) if length is None else length) + bytes([mtype]) + reserved + body


def hello(role=1, max_len=DEFAULT_MAX, caps=0, idle_ms=0, software=b"make_vectors.py", token=None, extra=b""):
    body = struct.pack("<B3xIII", role, max_len, caps, idle_ms)
    if software is not None:
        body += struct.pack("<HH", 1, len(software)) + software
    if token is not None:
        body += struct.pack("<HH", 2, len(token)) + token
    return message(1, body + extra)


def option(key, value):
    return struct.pack("<HH", key, len(value)) + value


def subscription(policy=0, when_full=0, codec=255, queue=0, stream=0xFFFFFFFF):
    return struct.pack("<BBBxII", policy, when_full, codec, queue, stream)


def frame_body(codec=0, fmt=1, flags=0, stream=7, w=2, h=2, stride=6, seq=1, ts=TS, meta=b"", payload=b"", meta_len=None):
    head = struct.pack("<BBHIIIIIQq", codec, fmt, flags, stream, w, h, stride,
                       len(meta) if meta_len is None else meta_len, seq, ts)
    return head + meta + b"\0" * ((8 - len(meta) % 8) % 8) + payload


def frame(**fields):
    return message(2, frame_body(**fields))


def frame_json(codec=0, fmt=1, flags=0, stream=7, w=2, h=2, stride=6, seq=1, ts=TS, meta=b"", payload=b""):
    # u64/i64 values also as decimal strings: JSON readers that parse numbers as doubles (JavaScript) round above 2^53.
    return {"codec": codec, "pixel_format": fmt, "flags": flags, "stream_id": stream, "width": w, "height": h,
            "stride": stride, "sequence": seq, "sequence_text": str(seq), "timestamp_ns": ts, "timestamp_ns_text": str(ts),
            "metadata_hex": meta.hex(), "payload_hex": payload.hex()}


def pixels(n):
    return bytes((i * 37 + 11) % 256 for i in range(n))


OPENING = preamble() + hello()
HELLO_JSON = {"role": 1, "max_message_length": DEFAULT_MAX, "capabilities": 0, "idle_timeout_ms": 0, "software": "make_vectors.py"}
SHM, MODEL_INPUTS = 1 << 2, 1 << 3
# PROTOCOL.md 12: the consumer announces shared memory and model inputs unless a vector says otherwise.
CONSUMER_CAPS = SHM | MODEL_INPUTS
vectors = []


def accept(name, description, data, messages, frames, end="end_message", limit=DEFAULT_MAX, hello_json=HELLO_JSON, consumer_caps=CONSUMER_CAPS):
    vectors.append((name, data, {"description": description, "consumer_max_message_length": limit, "consumer_capabilities": consumer_caps,
                                 "outcome": "accept", "hello": hello_json, "messages": messages, "frames": frames, "end": end}))


def reject(name, description, data, error, messages=(), frames=(), limit=DEFAULT_MAX, hello_json=HELLO_JSON, consumer_caps=CONSUMER_CAPS):
    vectors.append((name, data, {"description": description, "consumer_max_message_length": limit, "consumer_capabilities": consumer_caps,
                                 "outcome": "reject", "hello": hello_json, "messages": list(messages), "frames": list(frames),
                                 "error": {"code": ERRORS[error], "name": error}}))


END = message(3, b"")

p = pixels(12)
accept("minimal-raw-frame", "One 2x2 BGR24 frame, tightly packed (stride 6), then END.",
       OPENING + frame(payload=p) + END, ["HELLO", "FRAME", "END"], [frame_json(payload=p)])

p = pixels(24)
accept("stride-padding", "A 3x2 BGR24 frame whose rows are padded to 12 bytes (stride > width*3): payload is stride*height.",
       OPENING + frame(w=3, h=2, stride=12, payload=p) + END, ["HELLO", "FRAME", "END"], [frame_json(w=3, h=2, stride=12, payload=p)])

meta = b'{"label":"cat","score":0.93}'
p = pixels(6)
accept("metadata-json", "A 2x1 frame carrying 28 bytes of JSON metadata (flag bit 0), padded with 4 zero bytes so the payload is 8-aligned.",
       OPENING + frame(w=2, h=1, stride=6, flags=1, meta=meta, payload=p) + END, ["HELLO", "FRAME", "END"],
       [frame_json(w=2, h=1, stride=6, flags=1, meta=meta, payload=p)])

p1, p2 = pixels(12), pixels(12)[::-1]
accept("ping-and-two-streams", "Two frames of different streams with a PING between them; the PING is not a frame.",
       OPENING + frame(stream=1, seq=10, payload=p1) + message(5, struct.pack("<Q", 42)) + frame(stream=2, seq=0, ts=TS + 1, payload=p2) + END,
       ["HELLO", "FRAME", "PING", "FRAME", "END"],
       [frame_json(stream=1, seq=10, payload=p1), frame_json(stream=2, seq=0, ts=TS + 1, payload=p2)])

p = pixels(12)
accept("hello-with-token", "A producer HELLO with a token (option 2) after the software option; a consumer that requires "
       "no token skips it like any option it does not use.",
       preamble() + hello(token=b"s3cret-token") + frame(payload=p) + END, ["HELLO", "FRAME", "END"], [frame_json(payload=p)],
       hello_json={**HELLO_JSON, "token_hex": b"s3cret-token".hex()})

p = pixels(4 * 2 + 2 * 2 * 1)
accept("planar-i420", "A 4x2 I420 frame: Y plane stride*height, then U and V planes of ceil(stride/2)*ceil(height/2) each.",
       OPENING + frame(fmt=5, w=4, h=2, stride=4, payload=p) + END, ["HELLO", "FRAME", "END"], [frame_json(fmt=5, w=4, h=2, stride=4, payload=p)])

p = pixels(4 * 3 + 4 * 2)
accept("planar-nv12-odd", "A 3x3 NV12 frame with stride 4: Y 4*3 bytes, then interleaved UV 4*ceil(3/2) bytes.",
       OPENING + frame(fmt=7, w=3, h=3, stride=4, payload=p) + END, ["HELLO", "FRAME", "END"], [frame_json(fmt=7, w=3, h=3, stride=4, payload=p)])

accept("end-of-stream", "The opening and END only: a clean, empty stream.", OPENING + END, ["HELLO", "END"], [])

p = pixels(12)
accept("closed-without-end", "A frame, then the connection closes on a message boundary without END.",
       OPENING + frame(payload=p), ["HELLO", "FRAME"], [frame_json(payload=p)], end="closed")

# Limits. The consumer's limit is 4096 here so the vectors stay small; the rule is the same at 64 MiB.
p = pixels(4052)
accept("length-at-limit", "A FRAME whose length prefix is exactly the consumer's limit (4096): accepted.",
       OPENING + frame(fmt=4, w=4052, h=1, stride=4052, payload=p) + END, ["HELLO", "FRAME", "END"],
       [frame_json(fmt=4, w=4052, h=1, stride=4052, payload=p)], limit=4096)

over = frame(fmt=4, w=4053, h=1, stride=4053, payload=pixels(4053))
reject("length-over-limit", "A length prefix of 4097 with a limit of 4096: rejected from the 4 prefix bytes alone; no payload follows in the vector because none may be read.",
       OPENING + over[:4], "MessageTooLarge", ["HELLO"], limit=4096)

reject("length-over-default-limit", "A length prefix of 67108865, one above the default 64 MiB limit: rejected before anything is allocated.",
       OPENING + struct.pack("<I", DEFAULT_MAX + 1) + bytes([2, 0, 0, 0]), "MessageTooLarge", ["HELLO"])

reject("length-max-u32", "A length prefix of 2^32-1.", OPENING + b"\xff\xff\xff\xff", "MessageTooLarge", ["HELLO"])

reject("length-below-minimum", "A length prefix of 3, too short to hold the type byte and reserved bytes.",
       OPENING + struct.pack("<I", 3) + b"\x02\x00\x00", "MalformedMessage", ["HELLO"])

good = frame(payload=pixels(12))
reject("truncated-header", "The connection ends 20 bytes into a frame header.",
       OPENING + good[:8 + 20], "TruncatedStream", ["HELLO"])

second = frame(seq=2, payload=pixels(12))
reject("truncated-payload", "One whole frame, then a second one cut 5 bytes into its payload: the first frame is kept.",
       OPENING + good + second[:-7], "TruncatedStream", ["HELLO", "FRAME"], [frame_json(payload=pixels(12))])

reject("bad-magic", "An HTTP request instead of the preamble.", b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "BadMagic", hello_json=None)

reject("unknown-version", "A preamble announcing version 2.", preamble(version=2) + hello(), "UnsupportedVersion", hello_json=None)

reject("reserved-preamble-bytes", "A preamble whose reserved bytes 6-7 are not zero.", b"RFRM\x01\x00\x01\x00" + hello(), "ReservedBitSet", hello_json=None)

reject("reserved-flag-bit", "A FRAME with reserved flag bit 15 set.", OPENING + frame(flags=0x8000, payload=pixels(12)), "ReservedBitSet", ["HELLO"])

reject("reserved-message-byte", "A message whose reserved header byte 5 is not zero.",
       OPENING + message(2, frame_body(payload=pixels(12)), reserved=b"\x01\0\0"), "ReservedBitSet", ["HELLO"])

reject("unknown-message-type", "A message of type 0x7F.", OPENING + message(0x7F, b""), "UnknownMessageType", ["HELLO"])

reject("unknown-codec", "A FRAME with codec 9.", OPENING + frame(codec=9, stride=0, payload=pixels(12)), "UnknownCodec", ["HELLO"])

reject("unknown-pixel-format", "A FRAME with pixel format 99.", OPENING + frame(fmt=99, payload=pixels(12)), "UnknownPixelFormat", ["HELLO"])

reject("payload-size-mismatch", "A raw 2x2 BGR24 frame with stride 6 carrying 11 payload bytes instead of 12.",
       OPENING + frame(payload=pixels(11)), "PayloadSizeMismatch", ["HELLO"])

reject("stride-too-small", "A raw 2x2 BGR24 frame with stride 5, less than width*3.",
       OPENING + frame(stride=5, payload=pixels(10)), "MalformedMessage", ["HELLO"])

reject("zero-width", "A FRAME of width 0.", OPENING + frame(w=0, stride=0, payload=b""), "MalformedMessage", ["HELLO"])

reject("metadata-overrun", "A FRAME whose metadata length (1000) runs past the end of its body.",
       OPENING + message(2, frame_body(meta=b"", meta_len=1000, payload=pixels(12))), "MalformedMessage", ["HELLO"])

reject("frame-body-too-short", "A FRAME message whose body (39 bytes) cannot hold the 40-byte frame header.",
       OPENING + message(2, frame_body(payload=b"")[:39]), "MalformedMessage", ["HELLO"])

reject("compressed-with-stride", "A JPEG frame with a non-zero stride (stride is 0 for compressed codecs).",
       OPENING + frame(codec=1, stride=6, payload=b"\xff\xd8\xff\xd9"), "MalformedMessage", ["HELLO"])

reject("end-with-body", "An END message with a body.", OPENING + message(3, b"\0"), "MalformedMessage", ["HELLO"])

reject("frame-before-hello", "A FRAME where the first message must be HELLO.",
       preamble() + frame(payload=pixels(12)), "UnexpectedMessage", hello_json=None)

reject("bad-frame-before-hello", "A FRAME with an unknown codec where HELLO must come: a message is judged on its own "
       "bytes (PROTOCOL.md 3.2) before its place in the conversation.",
       preamble() + frame(codec=9, payload=pixels(12)), "UnknownCodec", hello_json=None)

reject("hello-twice", "A second HELLO after the opening.", OPENING + hello(), "UnexpectedMessage", ["HELLO"])

p = pixels(12)
accept("large-sequence", "A frame whose sequence is 2^64-1 and whose timestamp is -1 (a nanosecond before the epoch): "
       "u64 and i64 fields use their whole range; the *_text fields give them exactly for JSON readers that round.",
       OPENING + frame(seq=2**64 - 1, ts=-1, payload=p) + END, ["HELLO", "FRAME", "END"], [frame_json(seq=2**64 - 1, ts=-1, payload=p)])

reject("jpeg-with-nv12", "A JPEG frame whose pixel format is NV12: PROTOCOL.md 7 allows BGR24 or GRAY8 for JPEG.",
       OPENING + frame(codec=1, fmt=7, stride=0, payload=b"\xff\xd8\xff\xd9"), "MalformedMessage", ["HELLO"])

# PROTOCOL.md 7.2: model inputs and batches, negotiated: both HELLOs set MODEL_INPUTS (bit 3).
MODEL_OPENING = preamble() + hello(caps=MODEL_INPUTS)
MODEL_HELLO_JSON = {**HELLO_JSON, "capabilities": MODEL_INPUTS}
p = struct.pack("<12f", *[i / 16 for i in range(12)])
accept("tensor-f32-chw", "A 2x2 RGB_F32_CHW model input (pixel format 8), stride 8 (two f32 per row): three planes of 2 rows, 48 bytes. "
       "Both HELLOs set MODEL_INPUTS.", MODEL_OPENING + frame(fmt=8, w=2, h=2, stride=8, payload=p) + END, ["HELLO", "FRAME", "END"],
       [frame_json(fmt=8, w=2, h=2, stride=8, payload=p)], hello_json=MODEL_HELLO_JSON)

meta = b'{"tensor":{"items":[{"sequence":1},{"sequence":2},{"sequence":3}]}}'
p = pixels(18)
accept("tensor-batch", "A batch (flag bit 1, with the JSON flag) of three 2x1 RGB_U8_CHW images (pixel format 10, stride 2): "
       "6 bytes each, 18 in all, NCHW.",
       MODEL_OPENING + frame(fmt=10, w=2, h=1, stride=2, flags=3, meta=meta, payload=p) + END, ["HELLO", "FRAME", "END"],
       [frame_json(fmt=10, w=2, h=1, stride=2, flags=3, meta=meta, payload=p)], hello_json=MODEL_HELLO_JSON)

reject("batch-not-whole", "A batch of 2x2 BGR24 images (12 bytes each) carrying 30 bytes: not a whole number of images.",
       MODEL_OPENING + frame(flags=2, payload=pixels(30)), "PayloadSizeMismatch", ["HELLO"], hello_json=MODEL_HELLO_JSON)

reject("batch-empty", "A batch flag on a raw frame with no payload: a batch holds at least one image.",
       MODEL_OPENING + frame(flags=2, payload=b""), "PayloadSizeMismatch", ["HELLO"], hello_json=MODEL_HELLO_JSON)

reject("batch-jpeg", "A JPEG frame with the batch flag: batches are raw only.",
       MODEL_OPENING + frame(codec=1, stride=0, flags=2, payload=b"\xff\xd8\xff\xd9"), "MalformedMessage", ["HELLO"], hello_json=MODEL_HELLO_JSON)

reject("tensor-format-jpeg", "A JPEG frame whose pixel format is RGB_F32_CHW: no codec lists the model-input formats.",
       MODEL_OPENING + frame(codec=1, fmt=8, stride=0, payload=b"\xff\xd8\xff\xd9"), "MalformedMessage", ["HELLO"], hello_json=MODEL_HELLO_JSON)

reject("tensor-hwc-stride-too-small", "A 2x1 RGB_F32_HWC frame (12 bytes per pixel) with stride 20, less than 24.",
       MODEL_OPENING + frame(fmt=12, w=2, h=1, stride=20, payload=pixels(20)), "MalformedMessage", ["HELLO"], hello_json=MODEL_HELLO_JSON)

# Not negotiated: to a side that did not set MODEL_INPUTS, formats 8-13 are unknown and bit 1 is reserved, exactly as
# to an implementation that has never heard of them (PROTOCOL.md 5, 7.2).
p = struct.pack("<12f", *[i / 16 for i in range(12)])
reject("tensor-not-negotiated", "A 2x2 RGB_F32_CHW model input from a producer whose HELLO does not set MODEL_INPUTS (the consumer's does): "
       "pixel format 8 is unknown on this connection.", OPENING + frame(fmt=8, w=2, h=2, stride=8, payload=p), "UnknownPixelFormat", ["HELLO"])
reject("tensor-consumer-did-not-announce", "A 2x2 RGB_F32_CHW model input from a producer that set MODEL_INPUTS, to a consumer that did not "
       "(consumer_capabilities 4): pixel format 8 is unknown on this connection.", MODEL_OPENING + frame(fmt=8, w=2, h=2, stride=8, payload=p),
       "UnknownPixelFormat", ["HELLO"], hello_json=MODEL_HELLO_JSON, consumer_caps=SHM)
reject("batch-not-negotiated", "A batch of one 2x2 BGR24 image from a producer whose HELLO does not set MODEL_INPUTS: flag bit 1 is "
       "reserved on this connection.", OPENING + frame(flags=2, payload=pixels(12)), "ReservedBitSet", ["HELLO"])

reject("reserved-flag-bit-2", "A FRAME with flag bit 2 set, the lowest reserved bit.", OPENING + frame(flags=4, payload=pixels(12)),
       "ReservedBitSet", ["HELLO"])

reject("unknown-pixel-format-14", "A FRAME with pixel format 14, one past the last.", OPENING + frame(fmt=14, payload=pixels(12)),
       "UnknownPixelFormat", ["HELLO"])

reject("truncated-bad-type", "The connection ends 5 bytes into a message header whose type byte (0x7F) is unknown: the "
       "header is judged once its 8 bytes are in (PROTOCOL.md 3.2), so a stream that ends first is truncated.",
       OPENING + struct.pack("<I", 4) + b"\x7f", "TruncatedStream", ["HELLO"])

reject("truncated-bad-frame-header", "The connection ends 20 bytes into a frame header whose codec (9) is unknown: the "
       "40-byte header is judged once whole.",
       OPENING + frame(codec=9, stride=0, payload=pixels(12))[:8 + 20], "TruncatedStream", ["HELLO"])

reject("hello-empty-token", "A producer HELLO with a token option of 0 bytes: a token is 1 to 1,024 bytes, checked by every "
       "side that reads the HELLO.", preamble() + hello(token=b""), "MalformedMessage", hello_json=None)

reject("hello-trailing-bytes", "A HELLO with 3 bytes after its last option, too few for an option header.",
       preamble() + hello(extra=b"\x01\x00\x00"), "MalformedMessage", hello_json=None)

reject("hello-bad-subscription", "A producer HELLO carrying option 3 of 11 bytes: known options are checked whatever the "
       "role, so the outcome does not depend on who reads it.",
       preamble() + hello(extra=option(3, subscription()[:11])), "MalformedMessage", hello_json=None)

p = pixels(12)
accept("hello-with-subscription", "A producer HELLO carrying a well-formed option 3 (meant for relays): checked, then "
       "ignored by a consumer.", preamble() + hello(extra=option(3, subscription(policy=1, stream=7))) + frame(payload=p) + END,
       ["HELLO", "FRAME", "END"], [frame_json(payload=p)],
       hello_json={**HELLO_JSON, "subscription_hex": subscription(policy=1, stream=7).hex()})

p = pixels(12)
accept("message-after-end", "END, then a FRAME and garbage: a consumer reads nothing after the producer's END (PROTOCOL.md "
       "4.2); it answers END and closes.", OPENING + frame(payload=p) + END + frame(seq=2, payload=p) + b"junk",
       ["HELLO", "FRAME", "END"], [frame_json(payload=p)])
vectors[-1][2]["ignored_after_end"] = len(frame(seq=2, payload=p) + b"junk")

reject("ack-from-producer", "A well-formed ACK sent by the producer: only a consumer sends ACK.",
       OPENING + message(0x10, struct.pack("<I4xQq", 7, 1, TS)), "UnexpectedMessage", ["HELLO"])

reject("ack-reserved-from-producer", "An ACK with reserved bytes set, sent by the producer: a body is judged on its own bytes "
       "before its place (PROTOCOL.md 3.2), so ReservedBitSet, not UnexpectedMessage.",
       OPENING + message(0x10, struct.pack("<IIQq", 7, 1, 1, TS)), "ReservedBitSet", ["HELLO"])

# Shared memory (PROTOCOL.md §15). The vectors' consumer can read shared memory (it sets capability bit 2), so it is
# used whenever the producer's HELLO sets bit 2 too. No vector carries a RING that a consumer would map.
SHM_OPENING = preamble() + hello(caps=SHM)
SHM_HELLO_JSON = {**HELLO_JSON, "capabilities": SHM}


def ring(slots=4, slot_size=4096, path=b"/dev/shm/rawframes-vector"):
    return message(7, struct.pack("<IIQ", slots, 0, slot_size) + path)


def shared_frame(slot=0, length=12, extra=b"", **fields):
    body = frame_body(**fields)
    return message(8, body[:40] + struct.pack("<IIQ", slot, 0, length) + fields.get("meta", b"") + extra)


reject("ring-not-negotiated", "A well-formed RING from a producer whose HELLO did not set capability bit 2.",
       OPENING + ring(), "UnexpectedMessage", ["HELLO"])

reject("ring-path-outside-dev-shm", "A RING naming /etc/passwd: a consumer opens and unlinks the path, so only "
       "/dev/shm/rawframes-NAME is allowed.", SHM_OPENING + ring(path=b"/etc/passwd"), "MalformedMessage", ["HELLO"],
       hello_json=SHM_HELLO_JSON)

reject("ring-slot-size-unaligned", "A RING whose slot size (1000) is not a multiple of 4096.",
       SHM_OPENING + ring(slot_size=1000), "MalformedMessage", ["HELLO"], hello_json=SHM_HELLO_JSON)

reject("shared-frame-before-ring", "A well-formed SHARED_FRAME (2x2 BGR24 in slot 0) before any RING.",
       SHM_OPENING + shared_frame(), "UnexpectedMessage", ["HELLO"], hello_json=SHM_HELLO_JSON)

reject("shared-frame-trailing-byte", "A SHARED_FRAME body one byte longer than 56 + metadata length.",
       SHM_OPENING + shared_frame(extra=b"\0"), "MalformedMessage", ["HELLO"], hello_json=SHM_HELLO_JSON)

reject("ring-reserved-not-negotiated", "A RING with reserved bytes set from a producer that did not set bit 2: its bytes "
       "are judged before its place.", OPENING + message(7, struct.pack("<IIQ", 4, 1, 4096) + b"/dev/shm/rawframes-vector"),
       "ReservedBitSet", ["HELLO"])

reject("ring-slot-over-limit", "A RING whose slots (8,192 bytes) exceed the consumer's maximum message length (4,096).",
       SHM_OPENING + ring(slot_size=8192), "MessageTooLarge", ["HELLO"], limit=4096, hello_json=SHM_HELLO_JSON)

reject("shared-frame-truncated", "The connection ends inside the 56 fixed bytes of a SHARED_FRAME.",
       SHM_OPENING + shared_frame()[:8 + 50], "TruncatedStream", ["HELLO"], hello_json=SHM_HELLO_JSON)

reject("shared-frame-bad-codec-cut", "A SHARED_FRAME with codec 9 and 16 bytes of metadata, cut inside the metadata: its 56 "
       "fixed bytes are judged as soon as they are in, so UnknownCodec.",
       SHM_OPENING + shared_frame(codec=9, stride=0, meta=bytes(16))[:8 + 60], "UnknownCodec", ["HELLO"], hello_json=SHM_HELLO_JSON)

reject("shared-frame-payload-mismatch", "A SHARED_FRAME for 2x2 BGR24 (12 bytes) that names 11 bytes of its slot: "
       "the frame header is checked against the slot's payload length as for FRAME.",
       SHM_OPENING + shared_frame(length=11), "PayloadSizeMismatch", ["HELLO"], hello_json=SHM_HELLO_JSON)

# Compressed codecs (PROTOCOL.md §7). The protocol layer checks only that stride is 0 and the payload is not empty;
# the payloads here are real images so that decoders can be checked too ("decoded" in the JSON).
# A 16x8 baseline 4:2:0 JFIF made by ffmpeg's own MJPEG encoder (testsrc2, -q:v 3), independent of libjpeg-turbo:
TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010200000100010000fffe00104c61766335392e33372e31303000ffdb0043000806060706070808080808080909090a0a0a090909090a0a0a0a0a0a0c0c0c0a0a0a0a0a0a0a0c0c0c0c0d0e0d0d0d0c0d0e0e0f0f0f1212111115151519191fffc4006b000101010000000000000000000000000005040601010100000000000000000000000000000506100002010303010901010000000000000002010304120511001321b175763531322422b2231611000202030101010100000000000000000201110304120500212322ffc00011080008001003012200021100031100ffda000c03010002110311003f00c4e1f339da0cbd4062e6e36008c9f1d33100185dc66738301157bea4d2d5a5eba6cac0ff00a2c4640a3a7fe533806a6ff89242e9dc66d5429cafa771684d7223b6efaeb774da983f32cf7744df88b76d37bc3c0b176bd95cceae472cba018ba54aec0a6db58ee0ed74a2d15ac087715b946d312e3d47d9e6d399d4ea9daec6f233b2b1acfa3fd5478aa821722e7f14ab872b448623e7bfffd9")


def png_rgb(width, height, rgb_rows):
    """A minimal 8-bit truecolor PNG (IHDR, one IDAT, IEND) with filter type 0 on every row."""
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + row for row in rgb_rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def bmp_bgr(width, height, bgr_rows):
    """A 24-bit BI_RGB BMP, rows bottom-up, each padded to 4 bytes."""
    row_size = (width * 3 + 3) & ~3
    pixels = b"".join(row + b"\0" * (row_size - len(row)) for row in reversed(bgr_rows))
    header = b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 0, 0, 0, 0)
    return header + info + pixels


BGR_ROWS = [bytes((x * 80 + y * 7) % 256 for x in range(3 * 3)) for y in range(2)]  # 3x2 pixels, B,G,R
RGB_ROWS = [bytes(row[i + 2 - 2 * (i % 3)] for i in range(len(row))) for row in BGR_ROWS]  # the same pixels as R,G,B

for name, codec, fmt, w, h, payload, description, decoded in [
    ("jpeg-frame", 1, 1, 16, 8, TINY_JPEG, "A JPEG frame: a 16x8 baseline JFIF, pixel format BGR24, stride 0.", None),
    ("yuv-jpeg-frame", 2, 6, 16, 8, TINY_JPEG, "A YUV-JPEG frame: the same kind of file, coded from 4:2:0 planes; pixel format J420.", None),
    ("png-frame", 3, 1, 3, 2, png_rgb(3, 2, RGB_ROWS), "A PNG frame: 3x2 8-bit truecolor; decodes to the BGR24 pixels in 'decoded_bgr_hex'.", b"".join(BGR_ROWS)),
    ("bmp-frame", 4, 1, 3, 2, bmp_bgr(3, 2, BGR_ROWS), "A BMP frame: 3x2 24-bit bottom-up with row padding; decodes to 'decoded_bgr_hex'.", b"".join(BGR_ROWS)),
]:
    accept(name, description, OPENING + frame(codec=codec, fmt=fmt, w=w, h=h, stride=0, payload=payload) + END, ["HELLO", "FRAME", "END"],
           [frame_json(codec=codec, fmt=fmt, w=w, h=h, stride=0, payload=payload)])
    if decoded is not None:
        vectors[-1][2]["decoded_bgr_hex"] = decoded.hex()

# Revision 5: what the text had left open, settled (PROTOCOL.md 21), each where bytes decide it.
ERRORS.update({"ShuttingDown": 15})
vectors.append(("empty-stream", b"", {"description": "No bytes at all: the connection closed before its first byte (a TCP "
                "health check, a port scan). The protocol never began: not an error, a probe (PROTOCOL.md 9).",
                "consumer_max_message_length": DEFAULT_MAX, "consumer_capabilities": CONSUMER_CAPS, "outcome": "probe",
                "hello": None, "messages": [], "frames": []}))

reject("preamble-only", "The preamble and nothing more: the stream began and ended inside the opening (PROTOCOL.md 9).",
       preamble(), "TruncatedStream", hello_json=None)

reject("frame-before-hello-cut", "A valid FRAME where HELLO must come, cut inside its payload: a message's place is judged "
       "once the whole message is in (PROTOCOL.md 3.2 steps 6-7), so the stream ended inside it.",
       preamble() + frame(payload=pixels(12))[:-5], "TruncatedStream", hello_json=None)

LARGEST_HELLO = hello(extra=option(0x7FFF, bytes(4092 - 16 - 4 - 15 - 4)))
assert len(LARGEST_HELLO) == 8 + 4092
accept("hello-largest", "A HELLO body of 4,092 bytes (an unknown option fills it), the most a sender may send: its length "
       "prefix, 4,096, fits the smallest maximum any side may announce (PROTOCOL.md 3.1).",
       preamble() + LARGEST_HELLO + END, ["HELLO", "END"], [], limit=4096)
vectors[-1][2]["writer_reproduces"] = False

reject("hello-over-smallest-maximum", "A HELLO body of 4,093 bytes to a consumer whose maximum is 4,096: its length prefix "
       "(4,097) is over the reader's maximum, decided from the prefix alone (a sender keeps a HELLO to 4,092 bytes).",
       preamble() + hello(extra=option(0x7FFF, bytes(4093 - 16 - 4 - 15 - 4)))[:4], "MessageTooLarge", hello_json=None, limit=4096)

vectors.append(("error-instead-of-hello", preamble() + message(4, struct.pack("<I", 15) + b"the producer is stopping"),
                {"description": "The producer's preamble, then ERROR ShuttingDown instead of its HELLO: an ERROR may be any "
                 "side's first message. The consumer reports it and answers nothing, not even its own HELLO (PROTOCOL.md 9).",
                 "consumer_max_message_length": DEFAULT_MAX, "consumer_capabilities": CONSUMER_CAPS, "outcome": "refused",
                 "hello": None, "messages": [], "frames": [], "error": {"code": 15, "name": "ShuttingDown"}}))

p = pixels(12)
accept("hello-duplicate-option", "A HELLO with the software option twice: each is checked, the last one counts "
       "(PROTOCOL.md 5.1).", preamble() + hello(software=b"first", extra=option(1, b"second")) + frame(payload=p) + END,
       ["HELLO", "FRAME", "END"], [frame_json(payload=p)], hello_json={**HELLO_JSON, "software": "second"})
vectors[-1][2]["writer_reproduces"] = False

accept("pong-unknown-token", "A PONG whose token the consumer never sent in a PING: ignored, not an error (PROTOCOL.md 11).",
       OPENING + message(6, struct.pack("<Q", 0xDEADBEEF)) + END, ["HELLO", "PONG", "END"], [])
vectors[-1][2]["writer_reproduces"] = False

p1, p2 = pixels(12), pixels(12)[::-1]
accept("sequence-does-not-wrap", "Sequence 2^64-1, then 0 on the same stream: both frames are read; numbers do not wrap, "
       "so the second went backwards (not a gap of 0, PROTOCOL.md 6).",
       OPENING + frame(seq=2**64 - 1, payload=p1) + frame(seq=0, payload=p2) + END, ["HELLO", "FRAME", "FRAME", "END"],
       [frame_json(seq=2**64 - 1, payload=p1), frame_json(seq=0, payload=p2)])

reject("shared-frame-slot-checked-first", "A SHARED_FRAME with codec 9 and reserved bytes 44-47 set: the slot reference "
       "(bytes 40-55) is checked before the frame header (PROTOCOL.md 15.3), so ReservedBitSet, not UnknownCodec.",
       SHM_OPENING + message(8, frame_body(codec=9, stride=0)[:40] + struct.pack("<IIQ", 0, 1, 12)), "ReservedBitSet",
       ["HELLO"], hello_json=SHM_HELLO_JSON)

p = pixels(12)
accept("hello-replay", "A producer HELLO with option 4, replay (0 bytes): its frames were captured earlier (a recording sent "
       "again); a consumer shows the stream as a replay and measures no latency from its timestamps (PROTOCOL.md 18).",
       preamble() + hello(extra=option(4, b"")) + frame(payload=p) + END, ["HELLO", "FRAME", "END"], [frame_json(payload=p)],
       hello_json={**HELLO_JSON, "replay": True})

accept("hello-replay-with-value", "Option 4 with 3 bytes of value: its value is ignored, so no length of it is refused "
       "(a revision 4 reader skipped it as unknown).", preamble() + hello(extra=option(4, b"abc")) + END, ["HELLO", "END"], [],
       hello_json={**HELLO_JSON, "replay": True})
vectors[-1][2]["writer_reproduces"] = False

# Producer vectors (producer/NAME.bin): the bytes a producer that connected reads from the consumer that accepted,
# after sending its own preamble and HELLO with `producer_capabilities` and `producer_max_message_length`. The producer
# answers a rejection with ERROR and the code, except for BadMagic and TruncatedStream; a refusal (the acceptor's ERROR
# instead of HELLO) is only reported.
producer_vectors = []
CONSUMER_OPENING = preamble() + hello(role=2)


def producer(name, description, data, outcome, messages=(), error=None, caps=0, limit=DEFAULT_MAX, end=None):
    expected = {"description": description, "producer_capabilities": caps, "producer_max_message_length": limit,
                "outcome": outcome, "messages": list(messages)}
    if outcome == "accept":
        expected["end"] = end
    else:
        expected["error"] = {"code": ERRORS[error], "name": error}
    producer_vectors.append((name, data, expected))


ERRORS.update({"Unauthorized": 13})
ACK_CAPS, RESULT_CAPS = 1, 2

producer("consumer-opening", "The consumer's preamble and HELLO, then END: it wants no frames.",
         CONSUMER_OPENING + END, "accept", ["HELLO", "END"], end="end_message")

producer("ack-result-ping", "ACK and RESULT (both negotiated), a PING to answer with PONG, then the connection closes "
         "without END.", preamble() + hello(role=2, caps=ACK_CAPS | RESULT_CAPS) + message(0x10, struct.pack("<I4xQq", 7, 1, TS))
         + message(0x11, struct.pack("<IIQ", 7, 1, 1) + b'{"boxes":[]}') + message(5, struct.pack("<Q", 9)),
         "accept", ["HELLO", "ACK", "RESULT", "PING"], caps=ACK_CAPS | RESULT_CAPS, end="closed")

producer("consumer-reads-model-inputs", "A consumer HELLO that sets MODEL_INPUTS (bit 3) to a producer that set it too: model "
         "inputs are negotiated (the producer may now send pixel formats 8-13 and batches); then END.",
         preamble() + hello(role=2, caps=MODEL_INPUTS) + END, "accept", ["HELLO", "END"], caps=MODEL_INPUTS, end="end_message")

producer("consumer-with-subscription", "A consumer HELLO carrying option 3 (a subscription to a relay): checked, then ignored "
         "by a producer that is not a relay.", preamble() + hello(role=2, extra=option(3, subscription(policy=1))) + END,
         "accept", ["HELLO", "END"], end="end_message")

producer("refused-unauthorized", "The acceptor refuses: its preamble, then ERROR Unauthorized instead of HELLO. The producer "
         "reports the code and reason and answers nothing.",
         preamble() + message(4, struct.pack("<I", 13) + b"wrong token"), "refused", error="Unauthorized")

producer("acceptor-bad-magic", "An HTTP answer instead of the preamble: close without an ERROR.",
         b"HTTP/1.1 400 Bad Request\r\n\r\n", "reject", error="BadMagic")

producer("acceptor-other-version", "The acceptor's preamble says version 2.", preamble(version=2) + hello(role=2),
         "reject", error="UnsupportedVersion")

producer("acceptor-reserved-preamble", "The acceptor's preamble has reserved bytes set.", b"RFRM\x01\x00\x00\x01" + hello(role=2),
         "reject", error="ReservedBitSet")

producer("acceptor-closes-in-opening", "The acceptor sends its preamble and closes.", preamble(), "reject",
         error="TruncatedStream")

producer("acceptor-hello-producer-role", "The acceptor's HELLO says producer: two producers.", preamble() + hello(role=1),
         "reject", error="UnexpectedMessage")

producer("acceptor-frame-instead-of-hello", "A FRAME where the acceptor's HELLO must come.",
         preamble() + frame(payload=pixels(12)), "reject", error="UnexpectedMessage")

producer("acceptor-hello-small-maximum", "A consumer HELLO announcing a maximum message length of 4,095.",
         preamble() + hello(role=2, max_len=4095), "reject", error="MalformedMessage")

producer("unknown-message-type", "A message of type 0x7F after the opening.", CONSUMER_OPENING + message(0x7F, b""),
         "reject", ["HELLO"], error="UnknownMessageType")

producer("length-over-limit", "A length prefix of 5,000 with the producer's limit of 4,096.",
         CONSUMER_OPENING + struct.pack("<I", 5000) + bytes([0x11, 0, 0, 0]), "reject", ["HELLO"], error="MessageTooLarge", limit=4096)

producer("ack-not-negotiated", "An ACK although the producer did not ask for ACKs (its HELLO lacks bit 0).",
         preamble() + hello(role=2, caps=ACK_CAPS) + message(0x10, struct.pack("<I4xQq", 7, 1, TS)), "reject", ["HELLO"],
         error="UnexpectedMessage")

producer("release-never-lent", "Shared memory negotiated, and a RELEASE of slot 0 before the producer lent any slot.",
         preamble() + hello(role=2, caps=SHM) + message(0x12, struct.pack("<II", 0, 0)), "reject", ["HELLO"],
         error="UnexpectedMessage", caps=SHM)

producer("frame-from-consumer", "A FRAME sent by the consumer.", CONSUMER_OPENING + frame(payload=pixels(12)), "reject",
         ["HELLO"], error="UnexpectedMessage")

if __name__ == "__main__":
    import os

    os.makedirs("producer", exist_ok=True)
    for folder, written in (("", vectors), ("producer/", producer_vectors)):
        for name, data, expected in written:
            expected = {"name": name, **expected}
            with open(folder + name + ".bin", "wb") as f:
                f.write(data)
            with open(folder + name + ".json", "w") as f:
                json.dump(expected, f, indent=2)
                f.write("\n")
    print(f"wrote {len(vectors)} consumer vectors and {len(producer_vectors)} producer vectors")
