// PROTOCOL.md in the browser: the page's own parser for the FRAME and RESULT messages /frames/ID sends, written from
// the document like the C# and Python ones, and checked against the same golden vectors (tests/vectors, run in
// Chromium by HttpViewerBrowserTests). Pure functions over Uint8Array: no I/O. Every rule throws a ProtocolError with
// the code PROTOCOL.md §9 names, in the document's order, so the three implementations agree byte for byte.
// Loaded by the page and by its worker (importScripts); everything is on self.RawFrames.
(function (global) {
  'use strict';

  const ErrorCode = Object.freeze({
    BadMagic: 1, UnsupportedVersion: 2, MessageTooLarge: 3, MalformedMessage: 4, UnknownMessageType: 5, UnknownCodec: 6,
    UnknownPixelFormat: 7, ReservedBitSet: 8, PayloadSizeMismatch: 9, UnexpectedMessage: 10, TruncatedStream: 11,
  });
  const MessageType = Object.freeze({
    HELLO: 0x01, FRAME: 0x02, END: 0x03, ERROR: 0x04, PING: 0x05, PONG: 0x06, RING: 0x07, SHARED_FRAME: 0x08,
    ACK: 0x10, RESULT: 0x11, RELEASE: 0x12,
  });
  const Codec = Object.freeze({ RAW: 0, JPEG: 1, YUV_JPEG: 2, PNG: 3, BMP: 4 });
  const PixelFormat = Object.freeze({
    BGR24: 1, RGB24: 2, BGRA32: 3, GRAY8: 4, I420: 5, J420: 6, NV12: 7,
    RGB_F32_CHW: 8, BGR_F32_CHW: 9, RGB_U8_CHW: 10, BGR_U8_CHW: 11, RGB_F32_HWC: 12, BGR_F32_HWC: 13,
  });
  const Capability = Object.freeze({ ACK: 1, RESULT: 2, SHARED_MEMORY: 4, MODEL_INPUTS: 8 });
  const Role = Object.freeze({ PRODUCER: 1, CONSUMER: 2 });
  const FLAG_METADATA_JSON = 1;
  const FLAG_BATCH = 2;
  const FRAME_HEADER_SIZE = 40;
  const SLOT_REFERENCE_SIZE = 16;
  const SHARED_FRAME_HEAD = FRAME_HEADER_SIZE + SLOT_REFERENCE_SIZE;
  const MAX_DIMENSION = 65535;
  const MIN_MAX_MESSAGE_LENGTH = 4096;
  const MAX_SLOTS = 64;
  const MAX_SLOT_BYTES = 2 ** 30;
  const RING_PREFIX = '/dev/shm/rawframes-';
  const TYPE_NAMES = Object.fromEntries(Object.entries(MessageType).map(([name, value]) => [value, name]));
  const CODED_FROM = {
    [Codec.JPEG]: [PixelFormat.BGR24, PixelFormat.GRAY8], [Codec.YUV_JPEG]: [PixelFormat.J420],
    [Codec.PNG]: [PixelFormat.BGR24, PixelFormat.GRAY8], [Codec.BMP]: [PixelFormat.BGR24],
  };
  // §4: the body length each type allows, inclusive.
  const BODY_LENGTHS = {
    [MessageType.HELLO]: [16, 4096], [MessageType.FRAME]: [FRAME_HEADER_SIZE, Infinity], [MessageType.END]: [0, 0],
    [MessageType.ERROR]: [4, 4 + 1024], [MessageType.PING]: [8, 8], [MessageType.PONG]: [8, 8], [MessageType.ACK]: [24, 24],
    [MessageType.RESULT]: [16, Infinity], [MessageType.RING]: [17, 16 + 255], [MessageType.SHARED_FRAME]: [SHARED_FRAME_HEAD, Infinity],
    [MessageType.RELEASE]: [8, 8],
  };

  class ProtocolError extends Error {
    constructor(code, message) { super(message); this.code = code; }
  }
  const fail = (code, message) => { throw new ProtocolError(code, message); };
  const view = bytes => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const padding = metadataLength => (8 - (metadataLength % 8)) % 8;
  const half = x => Math.floor((x + 1) / 2);

  // §7.1: the smallest stride, and the exact size of a raw payload.
  function minStride(format, width) {
    switch (format) {
      case PixelFormat.BGR24: case PixelFormat.RGB24: return 3 * width;
      case PixelFormat.BGRA32: case PixelFormat.RGB_F32_CHW: case PixelFormat.BGR_F32_CHW: return 4 * width;
      case PixelFormat.NV12: return 2 * half(width);
      case PixelFormat.RGB_F32_HWC: case PixelFormat.BGR_F32_HWC: return 12 * width;
      default: return width;
    }
  }
  function rawPayloadSize(format, width, height, stride) {
    switch (format) {
      case PixelFormat.I420: case PixelFormat.J420: return stride * height + 2 * half(stride) * half(height);
      case PixelFormat.NV12: return stride * height + stride * half(height);
      case PixelFormat.RGB_F32_CHW: case PixelFormat.BGR_F32_CHW: case PixelFormat.RGB_U8_CHW: case PixelFormat.BGR_U8_CHW: return 3 * stride * height;
      default: return stride * height;
    }
  }

  // §2: magic as soon as its 4 bytes are in, then version, then the reserved bytes. Null: not enough bytes yet.
  function readPreamble(bytes) {
    if (bytes.length < 4) return null;
    if (!(bytes[0] === 0x52 && bytes[1] === 0x46 && bytes[2] === 0x52 && bytes[3] === 0x4d)) {
      fail(ErrorCode.BadMagic, 'bad magic: the peer does not speak RawFrames');
    }
    if (bytes.length < 8) return null;
    const version = view(bytes).getUint16(4, true);
    if (version !== 1) fail(ErrorCode.UnsupportedVersion, `peer speaks protocol version ${version}; this side speaks 1`);
    if (bytes[6] || bytes[7]) fail(ErrorCode.ReservedBitSet, 'reserved bytes 6-7 of the preamble are not zero');
    return { version, length: 8 };
  }

  // §6.1, in its order: codec, pixel format, flags, geometry, metadata fit, then the payload size. `modelInputs`:
  // formats 8-13 and the batch flag were negotiated (§7.2), or there is no HELLO (the view's WebSocket, a recording).
  function parseFrameHeader(bytes, bodyLength, modelInputs = true) {
    const v = view(bytes);
    const codec = bytes[0], format = bytes[1], flags = v.getUint16(2, true);
    if (codec > Codec.BMP) fail(ErrorCode.UnknownCodec, `unknown codec ${codec}`);
    if (format < PixelFormat.BGR24 || format > PixelFormat.BGR_F32_HWC) fail(ErrorCode.UnknownPixelFormat, `unknown pixel format ${format}`);
    if (!modelInputs && format >= PixelFormat.RGB_F32_CHW) fail(ErrorCode.UnknownPixelFormat, `pixel format ${format} is a model input, not negotiated in HELLO (MODEL_INPUTS)`);
    if (flags & ~(FLAG_METADATA_JSON | (modelInputs ? FLAG_BATCH : 0))) fail(ErrorCode.ReservedBitSet, `reserved frame flag bits set: 0x${flags.toString(16)}`);
    const width = v.getUint32(8, true), height = v.getUint32(12, true);
    if (width < 1 || width > MAX_DIMENSION || height < 1 || height > MAX_DIMENSION) {
      fail(ErrorCode.MalformedMessage, `frame geometry ${width}x${height} is outside 1x1 to 65535x65535`);
    }
    const stride = v.getUint32(16, true), metadataLength = v.getUint32(20, true);
    const payloadOffset = FRAME_HEADER_SIZE + metadataLength + padding(metadataLength);
    const payloadLength = bodyLength - payloadOffset;
    if (payloadLength < 0) fail(ErrorCode.MalformedMessage, `metadata of ${metadataLength} bytes (plus padding) does not fit in a frame body of ${bodyLength} bytes`);
    if (codec === Codec.RAW) {
      const minimum = minStride(format, width);
      if (stride < minimum) fail(ErrorCode.MalformedMessage, `stride ${stride} is less than the ${minimum} bytes a row of width ${width} needs`);
      const expected = rawPayloadSize(format, width, height, stride);
      if (flags & FLAG_BATCH) {
        if (payloadLength === 0 || payloadLength % expected) fail(ErrorCode.PayloadSizeMismatch, `a batch of ${payloadLength} bytes is not a whole number of ${expected}-byte images`);
      } else if (payloadLength !== expected) {
        fail(ErrorCode.PayloadSizeMismatch, `raw payload is ${payloadLength} bytes; ${width}x${height} with stride ${stride} needs ${expected}`);
      }
    } else {
      if (stride) fail(ErrorCode.MalformedMessage, `stride must be 0 for a compressed codec, got ${stride}`);
      if (payloadLength === 0) fail(ErrorCode.MalformedMessage, 'empty compressed payload');
      if (flags & FLAG_BATCH) fail(ErrorCode.MalformedMessage, 'a compressed payload cannot be a batch');
      if (!CODED_FROM[codec].includes(format)) fail(ErrorCode.MalformedMessage, `codec ${codec} cannot have pixel format ${format} (PROTOCOL.md §7)`);
    }
    return {
      codec, pixelFormat: format, flags, streamId: v.getUint32(4, true), width, height, stride, metadataLength,
      sequence: v.getBigUint64(24, true), timestampNs: v.getBigInt64(32, true), payloadOffset, payloadLength,
    };
  }

  // §5: role, reserved bytes, maximum length, then the options (known ones checked, unknown keys skipped).
  function parseHello(body) {
    const v = view(body);
    const role = body[0];
    if (role !== Role.PRODUCER && role !== Role.CONSUMER) fail(ErrorCode.MalformedMessage, `HELLO role ${role} is neither 1 nor 2`);
    if (body[1] || body[2] || body[3]) fail(ErrorCode.ReservedBitSet, 'reserved bytes 1-3 of HELLO are not zero');
    const maxMessageLength = v.getUint32(4, true), capabilities = v.getUint32(8, true), idleTimeoutMs = v.getUint32(12, true);
    if (maxMessageLength < MIN_MAX_MESSAGE_LENGTH) fail(ErrorCode.MalformedMessage, `HELLO max message length ${maxMessageLength} is below 4096`);
    let software = null, offset = 16;
    while (offset < body.length) {
      if (body.length - offset < 4) fail(ErrorCode.MalformedMessage, 'HELLO option header truncated');
      const key = v.getUint16(offset, true), length = v.getUint16(offset + 2, true);
      offset += 4;
      if (body.length - offset < length) fail(ErrorCode.MalformedMessage, `HELLO option ${key} claims ${length} bytes`);
      if (key === 1) software = new TextDecoder().decode(body.subarray(offset, offset + length));
      else if (key === 2 && (length < 1 || length > 1024)) fail(ErrorCode.MalformedMessage, `HELLO token option is ${length} bytes`);
      else if (key === 3) parseSubscription(body.subarray(offset, offset + length));
      offset += length;
    }
    return { role, maxMessageLength, capabilities, idleTimeoutMs, software };
  }

  // §16.1.
  function parseSubscription(value) {
    if (value.length !== 12) fail(ErrorCode.MalformedMessage, `HELLO subscription option is ${value.length} bytes; it must be 12`);
    const [policy, whenFull, codec, reserved] = value;
    if (policy > 1 || whenFull > 1) fail(ErrorCode.MalformedMessage, 'HELLO subscription: policy or when-full is not defined');
    if (codec > Codec.BMP && codec !== 255) fail(ErrorCode.UnknownCodec, `HELLO subscription asks for unknown codec ${codec}`);
    if (reserved) fail(ErrorCode.ReservedBitSet, 'reserved byte 3 of the HELLO subscription option is not zero');
    if (view(value).getUint32(4, true) > 1024) fail(ErrorCode.MalformedMessage, 'HELLO subscription queue exceeds 1024 frames');
  }

  // §15.2 and §15.4.
  function parseRing(body, maxMessageLength) {
    const v = view(body);
    const slots = v.getUint32(0, true), slotSize = Number(v.getBigUint64(8, true));
    if (slots < 1 || slots > MAX_SLOTS) fail(ErrorCode.MalformedMessage, `RING announces ${slots} slots`);
    if (v.getUint32(4, true)) fail(ErrorCode.ReservedBitSet, 'reserved bytes 4-7 of RING are not zero');
    if (slotSize === 0 || slotSize % 4096 || slotSize > MAX_SLOT_BYTES) fail(ErrorCode.MalformedMessage, `RING slot size ${slotSize} is not a multiple of 4096 up to 2^30`);
    const path = new TextDecoder().decode(body.subarray(16));
    const name = path.slice(RING_PREFIX.length);
    if (!path.startsWith(RING_PREFIX) || !name || name.includes('..') || !/^[A-Za-z0-9._-]+$/.test(name)) fail(ErrorCode.MalformedMessage, `RING path ${path.slice(0, 80)} is not ${RING_PREFIX}NAME`);
    if (slotSize > maxMessageLength) fail(ErrorCode.MessageTooLarge, `RING slots of ${slotSize} bytes exceed this side's maximum message length`);
  }
  function parseRelease(body) {
    const v = view(body);
    if (v.getUint32(4, true)) fail(ErrorCode.ReservedBitSet, 'reserved bytes 4-7 of RELEASE are not zero');
    if (v.getUint32(0, true) >= MAX_SLOTS) fail(ErrorCode.MalformedMessage, 'RELEASE names a slot beyond any ring');
  }

  // §10.1, §10.2, §8.
  function parseAck(body) {
    if (view(body).getUint32(4, true)) fail(ErrorCode.ReservedBitSet, 'reserved bytes 4-7 of ACK are not zero');
  }
  function parseResult(body) {
    const v = view(body);
    const flags = v.getUint32(4, true);
    if (flags & ~1) fail(ErrorCode.ReservedBitSet, `reserved RESULT flag bits set: 0x${flags.toString(16)}`);
    return { streamId: v.getUint32(0, true), isJson: (flags & 1) === 1, sequence: v.getBigUint64(8, true), data: body.subarray(16) };
  }
  function parseError(body) {
    return { code: view(body).getUint32(0, true), reason: new TextDecoder().decode(body.subarray(4)) };
  }

  // §15.3: the slot reference, the frame header judged as if the payload followed inline, then the exact body length.
  function parseSharedFrameHead(body, bodyLength, modelInputs = true) {
    const v = view(body);
    if (v.getUint32(44, true)) fail(ErrorCode.ReservedBitSet, 'reserved bytes 44-47 of SHARED_FRAME are not zero');
    const slot = v.getUint32(40, true), payloadLength = Number(v.getBigUint64(48, true));
    if (slot >= MAX_SLOTS || payloadLength > MAX_SLOT_BYTES) fail(ErrorCode.MalformedMessage, `SHARED_FRAME names slot ${slot} with ${payloadLength} bytes, beyond any ring`);
    const metadataLength = v.getUint32(20, true);
    if (metadataLength !== bodyLength - SHARED_FRAME_HEAD) fail(ErrorCode.MalformedMessage, `SHARED_FRAME body is ${bodyLength} bytes; with ${metadataLength} bytes of metadata it must be ${SHARED_FRAME_HEAD + metadataLength}`);
    return parseFrameHeader(body, FRAME_HEADER_SIZE + metadataLength + padding(metadataLength) + payloadLength, modelInputs);
  }

  // §3: one message at bytes[offset...]. Null while more bytes are needed; every rule that the bytes in hand already
  // break throws at once (a length over the limit from its 4 bytes, a bad frame header before its payload arrives).
  function readMessage(bytes, offset, maxMessageLength, modelInputs = true) {
    const available = bytes.length - offset;
    if (available < 4) return null;
    const v = view(bytes);
    const length = v.getUint32(offset, true);
    if (length > maxMessageLength) fail(ErrorCode.MessageTooLarge, `message length ${length} exceeds the maximum ${maxMessageLength}`);
    if (length < 4) fail(ErrorCode.MalformedMessage, `message length ${length} is below the minimum 4`);
    if (available < 8) return null;
    const type = bytes[offset + 4], bodyLength = length - 4;
    const allowed = BODY_LENGTHS[type];
    if (!allowed) fail(ErrorCode.UnknownMessageType, `unknown message type 0x${type.toString(16).padStart(2, '0')}`);
    if (bodyLength < allowed[0] || bodyLength > allowed[1]) fail(ErrorCode.MalformedMessage, `${TYPE_NAMES[type]} body is ${bodyLength} bytes`);
    if (bytes[offset + 5] || bytes[offset + 6] || bytes[offset + 7]) fail(ErrorCode.ReservedBitSet, `reserved bytes 5-7 of a ${TYPE_NAMES[type]} message header are not zero`);
    let frame = null;
    if (type === MessageType.FRAME) {
      if (available < 8 + FRAME_HEADER_SIZE) return null;
      frame = parseFrameHeader(bytes.subarray(offset + 8, offset + 8 + FRAME_HEADER_SIZE), bodyLength, modelInputs);
    } else if (type === MessageType.SHARED_FRAME) {
      if (available < 8 + SHARED_FRAME_HEAD) return null;
      frame = parseSharedFrameHead(bytes.subarray(offset + 8, offset + 8 + SHARED_FRAME_HEAD), bodyLength, modelInputs);
    }
    if (available - 4 < length) return null;
    const body = bytes.subarray(offset + 8, offset + 4 + length);
    if (type === MessageType.HELLO) parseHello(body);
    else if (type === MessageType.ACK) parseAck(body);
    else if (type === MessageType.RESULT) parseResult(body);
    else if (type === MessageType.RING) parseRing(body, maxMessageLength);
    else if (type === MessageType.RELEASE) parseRelease(body);
    const message = { type, name: TYPE_NAMES[type], body, end: offset + 4 + length };
    if (type === MessageType.FRAME) {
      message.frame = frame;
      message.metadata = body.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + frame.metadataLength);
      message.payload = body.subarray(frame.payloadOffset);
    }
    return message;
  }

  // §4.1 as a consumer applies it to a producer, after the opening.
  function checkAfterOpening(type, negotiated) {
    if (type === MessageType.HELLO) fail(ErrorCode.UnexpectedMessage, 'HELLO may only be sent once');
    if (type === MessageType.ACK || type === MessageType.RESULT || type === MessageType.RELEASE) fail(ErrorCode.UnexpectedMessage, `a producer may not send ${TYPE_NAMES[type]}`);
    if ((type === MessageType.RING || type === MessageType.SHARED_FRAME) && !(negotiated & Capability.SHARED_MEMORY)) {
      fail(ErrorCode.UnexpectedMessage, `${TYPE_NAMES[type]} needs shared memory, which was not negotiated in HELLO`);
    }
  }

  // A producer's whole byte stream as a consumer reads it (the golden vectors' form): preamble, HELLO, then messages
  // until END or the end of the bytes. `capabilities`: what the consumer announced (the vectors' consumer_capabilities).
  function consume(bytes, maxMessageLength, capabilities = Capability.SHARED_MEMORY | Capability.MODEL_INPUTS) {
    const messages = [], frames = [];
    let hello = null, ringSeen = false;
    const outcome = (error, message, kind) => ({
      outcome: kind || (error ? 'reject' : 'accept'), messages, frames, error, message: message || null,
      end: error || kind ? null : (messages[messages.length - 1] === 'END' ? 'end_message' : 'closed'),
    });
    try {
      // §9: no byte at all is a probe (the protocol never began), not an error.
      if (bytes.length === 0) return outcome(null, null, 'probe');
      const preamble = readPreamble(bytes);
      if (!preamble) return outcome(ErrorCode.TruncatedStream, 'truncated preamble');
      let offset = preamble.length;
      for (;;) {
        const negotiated = hello ? hello.capabilities & capabilities : 0;
        const message = readMessage(bytes, offset, maxMessageLength, (negotiated & Capability.MODEL_INPUTS) !== 0);
        if (!message) {
          if (offset === bytes.length && hello) return outcome(null);
          return outcome(ErrorCode.TruncatedStream, hello ? 'connection ended inside a message' : 'connection ended before HELLO');
        }
        if (!hello) {
          // §9: the peer may open with ERROR instead of HELLO; it is reported, never answered.
          if (message.type === MessageType.ERROR) {
            const refusal = parseError(message.body);
            return outcome(refusal.code, refusal.reason, 'refused');
          }
          if (message.type !== MessageType.HELLO) fail(ErrorCode.UnexpectedMessage, `expected HELLO as the first message, got ${message.name}`);
          hello = parseHello(message.body);
          if (hello.role !== Role.PRODUCER) fail(ErrorCode.UnexpectedMessage, 'the peer must be a producer');
        } else {
          checkAfterOpening(message.type, negotiated);
          if (message.type === MessageType.RING) ringSeen = true;
          else if (message.type === MessageType.SHARED_FRAME && !ringSeen) fail(ErrorCode.UnexpectedMessage, 'SHARED_FRAME before RING');
        }
        messages.push(message.name);
        if (message.frame && message.type === MessageType.FRAME) frames.push({ ...message.frame, metadata: message.metadata, payload: message.payload });
        offset = message.end;
        if (message.type === MessageType.END) return outcome(null);
      }
    } catch (e) {
      if (e instanceof ProtocolError) return outcome(e.code, e.message);
      throw e;
    }
  }

  global.RawFrames = Object.freeze({
    ErrorCode, MessageType, Codec, PixelFormat, ProtocolError, FLAG_METADATA_JSON,
    readPreamble, readMessage, parseFrameHeader, parseHello, parseResult, parseError, consume, minStride, rawPayloadSize,
  });
})(typeof self !== 'undefined' ? self : globalThis);
