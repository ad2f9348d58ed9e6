"""One RawFrames connection over a connected stream socket: the opening (PROTOCOL.md §2), reading messages into one
reusable buffer without allocating per frame, writing frames with scatter-gather, PING/PONG, END, ERROR, ACK and
RESULT.

Reads go straight into place: the 8-byte message header and the 40-byte frame header into a small buffer, then the
rest of the body with `recv_into` into one buffer that grows (never past the negotiated maximum, and only after the
length prefix was checked against it) and is reused for every message. Frames handed out are views of that buffer.
"""

import collections
import mmap
import os
import select
import socket
import struct
import threading
import time

from .frame import PACKED_FORMATS, Frame, packed_view
from .shm import RingWriter
from .wire import (ACK, FRAME_HEADER, FRAME_HEADER_SIZE, MESSAGE_HEADER_SIZE, PREAMBLE, PREAMBLE_SIZE,
                   RESULT_HEADER, RESULT_FLAG_JSON, TOKEN, Capability, Codec, ErrorCode, check_length, FrameHeader, Hello,
                   HTTP_METHODS, MessageType, PeerError, ProtocolError, Role, check_magic,
                   error_message, message_header, padding, parse_ack, parse_error, parse_message_header,
                   parse_preamble, parse_result, token_matches, DEFAULT_MAX_MESSAGE_LENGTH, FLAG_METADATA_JSON,
                   RELEASE, SLOT_ALIGNMENT, SLOT_REFERENCE, check_body, parse_release, parse_ring, parse_slot_reference)

SOFTWARE = "rawframes-python/1"
OPENING_TIMEOUT = 10.0  # seconds the opening may take (PROTOCOL.md §2: the reference receiver also uses 10 s)
END_WAIT = 3.0  # seconds to wait for the peer's answer to our END (§4.2)
_INITIAL_BODY = 64 * 1024
_ZEROS = bytes(8)
_HTTP_400 = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
             b"This port speaks RawFrames (a binary frame protocol, see PROTOCOL.md), not HTTP.\r\n")


class ConnectionClosed(Exception):
    """The peer closed the connection on a message boundary without END (§4.2): nothing received is lost."""


class Message:
    """A message other than FRAME, as read: its type and body (a view valid until the next read)."""

    __slots__ = ("type", "body")

    def __init__(self, message_type, body):
        self.type = message_type
        self.body = body


class Connection:
    """A connection after its opening. Reading is for one thread; sending is thread-safe (a consumer may send
    RESULTs from worker threads while its reading thread answers PINGs)."""

    def __init__(self, sock, local_hello, peer_hello):
        self.socket = sock
        self.local = local_hello
        self.peer = peer_hello
        self.negotiated = local_hello.capabilities & peer_hello.capabilities
        self.end_sent = False
        self.end_received = False
        self._send_lock = threading.Lock()
        self._head = bytearray(MESSAGE_HEADER_SIZE + FRAME_HEADER_SIZE)
        self._head_view = memoryview(self._head)
        self._body = bytearray(_INITIAL_BODY)
        self._body_view = memoryview(self._body)
        self._view_key = None  # the last raw frame's layout, to reuse its numpy view when the next one is alike
        self._views = None
        self._out_head = bytearray(MESSAGE_HEADER_SIZE + FRAME_HEADER_SIZE)
        self._required_token = None
        self._poller = None  # made on first use: only a side that checks for input between sends needs it
        self._ring = None  # §15: (mmap, memoryview, slot count, slot size) once the producer's RING is mapped
        self._held_slot = None  # the slot of the frame handed out last, released at the next read
        self._ring_out = None  # §15 as a producer: the RingWriter, made with the first frame
        self._deferred = collections.deque()  # messages read while waiting for a free slot, for read() to return
        self._shared_head = bytearray(MESSAGE_HEADER_SIZE + FRAME_HEADER_SIZE + SLOT_REFERENCE.size)  # reused per frame
        self._ping_every = None  # seconds between a consumer's keep-alive PINGs, when an idle timeout was announced
        self._last_received = self._last_sent = time.monotonic()

    @property
    def model_inputs(self):
        """Both HELLOs set MODEL_INPUTS (§7.2): frames may carry pixel formats 8-13 and the batch flag."""
        return bool(self.negotiated & Capability.MODEL_INPUTS)

    # ---- the opening (§2) ----------------------------------------------------------------------------------------

    @classmethod
    def open(cls, sock, role, *, connector, max_message_length=DEFAULT_MAX_MESSAGE_LENGTH, capabilities=0,
             idle_timeout_ms=0, software=SOFTWARE, timeout=OPENING_TIMEOUT, token=None, subscription=None):
        """Runs the opening on a connected socket, as the side that connected (`connector`) or accepted. `token`:
        a producer presents it; a consumer requires it (§14) and refuses a missing or different one. A consumer on a
        Unix socket offers shared memory (§15). `subscription`: a consumer's request to a relay
        (wire.subscription_option, §16.1)."""
        # A consumer on a Unix socket offers shared memory; a producer uses it when asked (shm://) and possible.
        on_one_host = sock.family == socket.AF_UNIX and os.path.isdir("/dev/shm")
        if role == Role.CONSUMER and on_one_host:
            capabilities |= Capability.SHARED_MEMORY
        elif not on_one_host:
            capabilities &= ~Capability.SHARED_MEMORY
        local = Hello(role, max_message_length, capabilities, idle_timeout_ms, software,
                      token if role == Role.PRODUCER else None, subscription if role == Role.CONSUMER else None)
        connection = cls(sock, local, local)
        connection.negotiated = Capability.NONE  # nothing is negotiated before both HELLOs (a FRAME before HELLO is judged without model inputs)
        connection._required_token = token if role == Role.CONSUMER else None
        sock.settimeout(timeout)
        try:
            if connector:
                connection._send(PREAMBLE + local.to_bytes())
                peer = connection._read_opening(refuse=False)
            else:
                peer = connection._read_opening(refuse=True)
                connection._send(PREAMBLE + local.to_bytes())
        except socket.timeout:
            error = ProtocolError(ErrorCode.TIMEOUT, f"the opening did not complete within {timeout:g} s")
            if not connector:
                connection._try_send(PREAMBLE + error_message(error.code, error.reason))
            sock.close()
            raise error from None
        connection.peer = peer
        # §4.3: a consumer pings when it has sent nothing for a third of the shorter idle timeout, so its reads wake
        # that often; a producer pings from Sender.poll() between frames, and its sends keep the idle timeout.
        timeouts = [t for t in (idle_timeout_ms, peer.idle_timeout_ms) if t]
        if role == Role.CONSUMER and timeouts:
            connection._ping_every = min(timeouts) / 3000
            sock.settimeout(connection._ping_every)
        else:
            sock.settimeout(idle_timeout_ms / 1000 if idle_timeout_ms else None)
        connection.negotiated = local.capabilities & peer.capabilities
        return connection

    def _read_opening(self, refuse):
        """The peer's preamble and HELLO. An acceptor (`refuse`) answers a bad opening with preamble + ERROR."""
        view = self._head_view
        try:
            if self.socket.recv_into(view[:1]) == 0:
                raise ProtocolError(ErrorCode.TRUNCATED_STREAM, "the peer closed before its first byte", probe=True)
            self._read_exactly(view[1:4], "preamble")
            try:
                check_magic(view[:4])
            except ProtocolError:
                if refuse and bytes(view[:4]) in HTTP_METHODS:
                    self._try_send(_HTTP_400)
                raise
            self._read_exactly(view[4:PREAMBLE_SIZE], "preamble")
            parse_preamble(view[:PREAMBLE_SIZE])
            message = self._read_message(self.local.max_message_length)
            if message is None:
                raise ProtocolError(ErrorCode.TRUNCATED_STREAM, "the connection closed before HELLO")
            kind = MessageType.FRAME if isinstance(message, Frame) else message.type
            if kind == MessageType.ERROR:  # §9: either side may open with ERROR; it is reported, never answered
                code, reason = parse_error(message.body)
                raise PeerError(code, reason)
            if kind != MessageType.HELLO:
                raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"expected HELLO as the first message, got {kind.name}")
            peer = Hello.parse(message.body)
            if peer.role == self.local.role:
                raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"both sides are {peer.role.name.lower()}s")
            if self._required_token is not None and not token_matches(self._required_token, peer.token):
                raise ProtocolError(ErrorCode.UNAUTHORIZED, "wrong token" if peer.token is not None
                                    else "this receiver requires a token (HELLO option 2) and none was sent")
            return peer
        except ProtocolError as error:
            if error.code not in (ErrorCode.BAD_MAGIC, ErrorCode.TRUNCATED_STREAM):
                # The preamble first, so that the peer can read the ERROR whatever it expected (§2.2).
                self._try_send((PREAMBLE if refuse else b"") + error_message(error.code, error.reason))
            self.socket.close()
            raise
        except PeerError:
            self.socket.close()
            raise

    # ---- reading ---------------------------------------------------------------------------------------------------

    def read(self):
        """The next frame or other message; None when the connection ended (after the peer's END, or closed on a
        message boundary: see `end_received`). PING is answered here. A protocol error sends ERROR, closes and
        raises ProtocolError; the peer's ERROR raises PeerError."""
        if self._deferred:
            return self._deferred.popleft()
        if self.end_received:  # §4.2: after its END the peer sends nothing more; nothing after it is read
            return None
        if self._held_slot is not None:  # §15.4: the frame handed out last is done with
            slot, self._held_slot = self._held_slot, None
            if not self.end_sent:
                self._try_send(message_header(MessageType.RELEASE, RELEASE.size) + RELEASE.pack(slot, 0))
        while True:
            message = self._read_one()
            # RING is followed by the frame it is for; RELEASE is returned (a producer polling must not block on it).
            if not (isinstance(message, Message) and message.type == MessageType.RING):
                return message

    def _read_one(self):
        try:
            message = self._read_message(self.local.max_message_length)
        except socket.timeout:
            error = ProtocolError(ErrorCode.TIMEOUT, f"nothing received for {self.local.idle_timeout_ms} ms")
            self._fail(error)
            raise error from None
        except ProtocolError as error:
            self._fail(error)
            raise
        if message is None:
            self.socket.close()
            return None
        try:
            return self._dispatch(message)
        except ProtocolError as error:
            self._fail(error)
            raise

    def _dispatch(self, message):
        if isinstance(message, Frame):
            if self.peer.role != Role.PRODUCER:
                raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, "a consumer may not send FRAME")
            if self.negotiated & Capability.ACK and not self.end_sent:  # §4.2: nothing but END after our END
                self._send(message_header(MessageType.ACK, ACK.size)
                           + ACK.pack(message.stream_id, message.sequence, time.time_ns()))
            return message
        kind = message.type
        if kind in (MessageType.RING, MessageType.SHARED_FRAME, MessageType.RELEASE):
            return self._shared_memory(message)
        if kind == MessageType.HELLO:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, "HELLO may only be sent once")
        if kind in (MessageType.ACK, MessageType.RESULT):
            if self.peer.role != Role.CONSUMER:
                raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"a producer may not send {kind.name}")
            wanted = Capability.ACK if kind == MessageType.ACK else Capability.RESULT
            if not self.negotiated & wanted:
                raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"{kind.name} was not negotiated in HELLO")
            (parse_ack if kind == MessageType.ACK else parse_result)(message.body)
        elif kind == MessageType.PING:
            self._send(message_header(MessageType.PONG, 8) + bytes(message.body))
        elif kind == MessageType.END:
            self.end_received = True
            if not self.end_sent:
                self.send_end()
        elif kind == MessageType.ERROR:
            code, reason = parse_error(message.body)
            self.socket.close()
            raise PeerError(code, reason)
        return message

    def _shared_memory(self, message):
        """§15: as a consumer, map the RING and turn each SHARED_FRAME into the Frame it stands for, read in place;
        as a producer, free the slot a RELEASE names."""
        kind = message.type
        if (kind == MessageType.RELEASE) != (self.peer.role == Role.CONSUMER):
            sender = "a producer" if kind == MessageType.RELEASE else "a consumer"
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"{sender} may not send {kind.name}")
        if not self.negotiated & Capability.SHARED_MEMORY:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"{kind.name} needs shared memory, which was not negotiated in HELLO")
        if kind == MessageType.RELEASE:
            slot = parse_release(message.body)
            if self._ring_out is None:
                raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"RELEASE of slot {slot} before any RING")
            self._ring_out.release(slot)
            return message
        if kind == MessageType.RING:
            self._map_ring(*parse_ring(message.body))
            return message
        header, slot, length = message.body
        if self._ring is None:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, "SHARED_FRAME before RING")
        _, view, slots, slot_size = self._ring
        if slot >= slots or length > slot_size:
            raise ProtocolError(ErrorCode.MALFORMED_MESSAGE,
                                f"SHARED_FRAME names {length} bytes of slot {slot}; the ring has {slots} slots of {slot_size}")
        self._held_slot = slot
        return self._dispatch(self._frame(header, view[slot * slot_size:slot * slot_size + length], shared=True))

    def _map_ring(self, slots, slot_size, path):
        if self._ring is not None:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, "RING may only be sent once per connection")
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)  # a symbolic link is refused
            try:
                if os.fstat(fd).st_size < slots * slot_size:
                    raise OSError(f"{path} is shorter than {slots} slots of {slot_size} bytes")
                ring = mmap.mmap(fd, slots * slot_size, prot=mmap.PROT_READ)
            finally:
                os.close(fd)
            os.unlink(path)  # mapped: the name is needed by no one
        except OSError as error:
            raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"cannot map the ring {path}: {error}") from None
        self._ring = (ring, memoryview(ring), slots, slot_size)

    def _read_message(self, max_length):
        """One message, validated in PROTOCOL.md's order as its bytes arrive; None at a clean end of stream."""
        head = self._head_view
        got = self._read_some(head[:4])
        if got == 0:
            return None
        if got < 4:
            self._read_exactly(head[got:4], "message header")
        length = int.from_bytes(head[:4], "little")
        check_length(length, max_length)  # §3.1: before anything else is read
        self._read_exactly(head[4:MESSAGE_HEADER_SIZE], "message header")
        kind, body_length = parse_message_header(head, max_length)
        if kind == MessageType.FRAME:
            self._read_exactly(head[MESSAGE_HEADER_SIZE:], "frame header")
            header = FrameHeader.parse(head[MESSAGE_HEADER_SIZE:], body_length, self.model_inputs)
            rest = body_length - FRAME_HEADER_SIZE
            body = self._body_for(rest)
            self._read_exactly(body[:rest], "frame payload")
            return self._frame(header, body)
        if kind == MessageType.SHARED_FRAME:
            # §15.3: its 56 fixed bytes are judged as soon as they are in (§3.2): the slot reference first, then the
            # body length, then the frame header as if the payload followed; the metadata comes after.
            fixed = FRAME_HEADER_SIZE + SLOT_REFERENCE.size
            body = self._body_for(body_length)[:body_length]
            self._read_exactly(body[:fixed], "SHARED_FRAME header")
            slot, length = parse_slot_reference(body[FRAME_HEADER_SIZE:])
            metadata_length = int.from_bytes(body[20:24], "little")
            if body_length != fixed + metadata_length:
                raise ProtocolError(ErrorCode.MALFORMED_MESSAGE, f"SHARED_FRAME body is {body_length} bytes; with "
                                    f"{metadata_length} bytes of metadata it must be {fixed + metadata_length}")
            header = FrameHeader.parse(body, FRAME_HEADER_SIZE + metadata_length + padding(metadata_length) + length, self.model_inputs)
            self._read_exactly(body[fixed:], "SHARED_FRAME metadata")
            return Message(kind, (header, slot, length))
        body = self._body_for(body_length)[:body_length]
        self._read_exactly(body, f"{kind.name} body")
        check_body(kind, body, max_length)
        return Message(kind, body)

    def _frame(self, header, body, shared=False):
        if shared:  # body is the payload in its ring slot; the metadata sits after the slot reference
            metadata = self._body_view[FRAME_HEADER_SIZE + SLOT_REFERENCE.size:][:header.metadata_length]
            image = None
            if header.codec == Codec.RAW and header.pixel_format in PACKED_FORMATS:
                image = packed_view(body, header.pixel_format, header.width, header.height, header.stride)
            return Frame(header, metadata, body, image)
        start = header.payload_offset - FRAME_HEADER_SIZE
        metadata = body[:header.metadata_length]
        key = (start, header.payload_length, header.codec, header.pixel_format, header.width, header.height, header.stride)
        if key != self._view_key:
            payload = body[start:start + header.payload_length]
            image = None
            if header.codec == Codec.RAW and header.pixel_format in PACKED_FORMATS:
                image = packed_view(payload, header.pixel_format, header.width, header.height, header.stride)
            self._view_key, self._views = key, (payload, image)
        payload, image = self._views
        return Frame(header, metadata, payload, image)

    def _body_for(self, length):
        """The body buffer, grown when a message needs more; its length was checked against the maximum already."""
        if length > len(self._body):
            size = len(self._body)
            while size < length:
                size *= 2
            self._body = bytearray(min(size, max(length, self.local.max_message_length)))
            self._body_view = memoryview(self._body)
            self._view_key = None
        return self._body_view

    def _read_some(self, view):
        while True:
            try:
                got = self.socket.recv_into(view)
                self._last_received = time.monotonic()
                return got
            except InterruptedError:
                continue
            except socket.timeout:
                if not self._keep_alive():
                    raise

    def _keep_alive(self):
        """A read woke without data: PING the peer when this side has been quiet for a third of the idle timeout
        (§4.3). False when this side's own idle timeout has passed with nothing received (the caller gives up)."""
        now = time.monotonic()
        if self.local.idle_timeout_ms and now - self._last_received >= self.local.idle_timeout_ms / 1000:
            return False
        if self._ping_every and now - self._last_sent >= self._ping_every:
            self.ping()
        return True

    def _read_exactly(self, view, what):
        total = len(view)
        done = 0
        while done < total:
            got = self._read_some(view[done:])
            if got == 0:
                raise ProtocolError(ErrorCode.TRUNCATED_STREAM,
                                    f"the connection closed {done} bytes into a {total}-byte {what}")
            done += got

    # ---- writing ---------------------------------------------------------------------------------------------------

    def send_frame(self, payload, *, codec, pixel_format, width, height, stride=0, stream_id=0, sequence,
                   timestamp_ns=None, metadata=b"", metadata_is_json=False):
        """Sends one FRAME: 48 bytes of headers, the metadata and its padding, then the payload straight from the
        caller's buffer (one sendmsg, no copy of the pixels). The header is validated as a receiver would."""
        if self.local.role != Role.PRODUCER:
            raise ValueError("only a producer sends frames")
        payload = memoryview(payload).cast("B")
        meta_pad = padding(len(metadata))
        body_length = FRAME_HEADER_SIZE + len(metadata) + meta_pad + len(payload)
        if body_length + 4 > self.peer.max_message_length:
            raise ValueError(f"a {body_length + 4}-byte message exceeds the {self.peer.max_message_length} bytes the consumer accepts")
        out = self._out_head
        struct.pack_into("<II", out, 0, body_length + 4, MessageType.FRAME)
        FRAME_HEADER.pack_into(out, MESSAGE_HEADER_SIZE, codec, pixel_format, FLAG_METADATA_JSON if metadata_is_json else 0,
                               stream_id, width, height, stride, len(metadata), sequence,
                               time.time_ns() if timestamp_ns is None else timestamp_ns)
        # Our own check with the receiver's rules: a mistake here fails at the sender, with the receiver's words.
        FrameHeader.parse(memoryview(out)[MESSAGE_HEADER_SIZE:], body_length, self.model_inputs)
        if self.negotiated & Capability.SHARED_MEMORY and self._send_shared(out, payload, metadata):
            return
        parts = [out, payload]
        if metadata:
            parts[1:1] = [metadata, _ZEROS[:meta_pad]]
        self._send_parts(parts)

    def _send_shared(self, head, payload, metadata):
        """§15.3: the payload into a free ring slot (the first frame makes the ring and sends RING), then
        SHARED_FRAME. Waiting for a slot reads the consumer's messages; those other than RELEASE wait for read().
        False when the payload is larger than a slot: it then travels as an ordinary FRAME."""
        if self._ring_out is None:
            limit = self.peer.max_message_length // SLOT_ALIGNMENT * SLOT_ALIGNMENT
            size = -(-len(payload) // SLOT_ALIGNMENT) * SLOT_ALIGNMENT
            if size > limit:
                return False
            self._ring_out = RingWriter(4, size)
            ring_body = self._ring_out.announcement()
            self._send(message_header(MessageType.RING, len(ring_body)) + ring_body)
        if len(payload) > self._ring_out.slot_size:
            return False
        while (slot := self._ring_out.rent()) is None:
            if self.end_received:  # the consumer wants no more frames and releases no more slots
                return True
            message = self._read_one()
            if message is None:
                raise ConnectionClosed("the consumer closed the connection while holding every ring slot")
            if not (isinstance(message, Message) and message.type == MessageType.RELEASE):
                self._deferred.append(Message(message.type, bytes(message.body)))
        self._ring_out.write(slot, payload)
        shared = self._shared_head
        struct.pack_into("<II", shared, 0, len(shared) - 4 + len(metadata), MessageType.SHARED_FRAME)
        shared[MESSAGE_HEADER_SIZE:MESSAGE_HEADER_SIZE + FRAME_HEADER_SIZE] = head[MESSAGE_HEADER_SIZE:]
        SLOT_REFERENCE.pack_into(shared, MESSAGE_HEADER_SIZE + FRAME_HEADER_SIZE, slot, 0, len(payload))
        self._send_parts([shared, metadata] if metadata else [shared])
        return True

    def send_result(self, stream_id, sequence, result, *, is_json=False):
        """RESULT (§10.2), when both HELLOs announced it."""
        if not self.negotiated & Capability.RESULT:
            raise ValueError("RESULT was not negotiated: the producer did not announce it in HELLO")
        header = RESULT_HEADER.pack(stream_id, RESULT_FLAG_JSON if is_json else 0, sequence)
        self._send_parts([message_header(MessageType.RESULT, len(header) + len(result)) + header, memoryview(result)])

    def ping(self, token=0):
        self._send(message_header(MessageType.PING, 8) + TOKEN.pack(token))

    def send_end(self):
        if not self.end_sent:
            self.end_sent = True
            self._try_send(message_header(MessageType.END, 0))

    def pending(self, timeout_ms=0):
        """True when bytes from the peer are waiting (a producer checks between frames without blocking)."""
        if self._deferred:
            return True
        if self._poller is None:
            self._poller = select.poll()
            self._poller.register(self.socket, select.POLLIN)
        return bool(self._poller.poll(timeout_ms))

    def finish(self, wait=END_WAIT, on_message=None):
        """Ends cleanly (§4.2): END, then read until the peer's END or close, at most `wait` seconds. Frames still in
        flight are discarded; other messages (a producer's last ACKs and RESULTs) go to `on_message`. Returns True
        when the peer answered with END."""
        self.send_end()
        deadline = time.monotonic() + wait
        try:
            while not self.end_received:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.pending(remaining * 1000):
                    break
                message = self.read()
                if message is None:
                    break
                if on_message is not None and not isinstance(message, Frame):
                    on_message(message)
        except (ProtocolError, PeerError, OSError):
            pass
        finally:
            self.close()
        return self.end_received

    def shut_down(self, reason):
        """Tells the peer this side is going away (ERROR ShuttingDown, §9) and closes: not END, which would say every
        frame was handled."""
        self._try_send(error_message(ErrorCode.SHUTTING_DOWN, reason))
        self.close()

    @property
    def is_open(self):
        return self.socket.fileno() != -1

    def close(self):
        self.socket.close()
        self._unmap()
        if self._ring_out is not None:
            self._ring_out.close()
            self._ring_out = None

    def _unmap(self):
        """Unmaps the ring unless a frame view handed out is still alive (then the garbage collector does it)."""
        if self._ring is not None:
            ring, view, _, _ = self._ring
            self._ring = None
            try:
                view.release()
                ring.close()
            except BufferError:
                pass

    def _fail(self, error):
        """A protocol error: tell the peer when it can still read it (not for a truncated stream), then close."""
        if error.code != ErrorCode.TRUNCATED_STREAM:
            self._try_send(error_message(error.code, error.reason))
        self.socket.close()

    def _send(self, data):
        with self._send_lock:
            self.socket.sendall(data)
            self._last_sent = time.monotonic()

    def _try_send(self, data):
        """Best effort, for ERROR and END: a peer that stopped reading does not hold us for more than a second."""
        previous = self.socket.gettimeout()
        try:
            self.socket.settimeout(1.0)
            self._send(data)
            self.socket.settimeout(previous)
        except OSError:
            pass

    def _send_parts(self, parts):
        """sendmsg until every byte of every part is out (a large payload takes several calls)."""
        parts = [memoryview(part).cast("B") for part in parts]
        with self._send_lock:
            while parts:
                sent = self.socket.sendmsg(parts)
                while parts and sent >= len(parts[0]):
                    sent -= len(parts[0])
                    parts.pop(0)
                if parts and sent:
                    parts[0] = parts[0][sent:]
