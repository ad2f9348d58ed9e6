"""The consumer side: listen for producers (e.g. `rawframes-send`) and iterate their frames."""

import logging
import socket

from . import endpoint
from .connection import Connection, ConnectionClosed
from .frame import Frame
from .wire import DEFAULT_MAX_MESSAGE_LENGTH, Capability, PeerError, ProtocolError, Role, error_name

log = logging.getLogger("rawframes")


class StreamStats:
    """Frames, bytes and sequence gaps of one stream on one connection."""

    __slots__ = ("frames", "bytes", "first_sequence", "last_sequence", "gaps")

    def __init__(self, sequence):
        self.frames, self.bytes, self.gaps = 0, 0, 0
        self.first_sequence = self.last_sequence = sequence

    def add(self, frame):
        if self.frames and frame.sequence > self.last_sequence + 1:
            self.gaps += frame.sequence - self.last_sequence - 1
        self.frames += 1
        self.bytes += len(frame.payload)
        self.last_sequence = frame.sequence


class Receiver:
    """Listens on an endpoint and yields frames from one producer connection after another. A connection that
    breaks the protocol is answered with ERROR, logged and counted; the next one is accepted. Frames are views of
    the receive buffer, valid until the next frame is read (`frame.copy()` keeps one)."""

    def __init__(self, listen="tcp://127.0.0.1:5555", *, max_message_length=DEFAULT_MAX_MESSAGE_LENGTH, results=False,
                 once=False, token=None):
        self.endpoint = listen
        self.max_message_length = max_message_length
        self.capabilities = Capability.ACK | Capability.MODEL_INPUTS | (Capability.RESULT if results else 0)
        self.once = once
        self.token = token  # producers must present it (PROTOCOL.md §14)
        self.connection = None
        self.streams = {}
        self.connections = 0
        self.errors = []
        self.probes = 0  # connections closed before their first byte (health checks, port scans): not errors
        self._listener = endpoint.listen(listen)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        # END says every frame before it was handled (§4.2): only a block that finished normally says it. A block
        # left by an exception, or a bare receive() loop left early (Python cannot tell break from an exception
        # there), tells the producer ShuttingDown instead.
        if self.connection is not None and self.connection.is_open:
            if exc_type is None:
                self.connection.finish()
            else:
                self.connection.shut_down(LEFT_EARLY)
        self.close()

    @property
    def address(self):
        """The bound address (the port chosen when listening on port 0)."""
        return self._listener.getsockname()

    def accept(self):
        """Waits for the next producer and runs the opening; returns its Connection."""
        while True:
            sock, peer = self._listener.accept()
            endpoint.tune(sock)
            try:
                connection = Connection.open(sock, Role.CONSUMER, connector=False,
                                             max_message_length=self.max_message_length, capabilities=self.capabilities,
                                             token=self.token)
            except (ProtocolError, PeerError, OSError) as error:
                self._record(peer, error)
                continue
            self.connections += 1
            log.info("%s connected (%s)", _name(peer), connection.peer.software or "unknown software")
            return connection

    def __iter__(self):
        while True:
            connection = self.connection = self.accept()
            peer = connection.socket.getpeername() if connection.socket.family != socket.AF_UNIX else "unix peer"
            try:
                while True:
                    message = connection.read()
                    if message is None:
                        reason = "END" if connection.end_received else "closed without END"
                        log.info("%s disconnected: %s", _name(peer), reason)
                        break
                    if isinstance(message, Frame):
                        stats = self.streams.get((self.connections, message.stream_id))
                        if stats is None:
                            stats = self.streams[(self.connections, message.stream_id)] = StreamStats(message.sequence)
                        stats.add(message)
                        yield message
            except GeneratorExit:
                # The loop was left (break, or an exception passing through): the block around it decides how the
                # connection ends (__exit__), so the connection stays open here.
                raise
            except (ProtocolError, PeerError, ConnectionClosed, OSError) as error:
                self._record(peer, error)
            connection.close()
            self.connection = None
            if self.once:
                return

    def reply(self, frame, result, *, is_json=False):
        """Sends a RESULT for `frame` back to its producer (when it announced RESULT in its HELLO)."""
        self.connection.send_result(frame.stream_id, frame.sequence, result, is_json=is_json)

    def stop(self):
        """Asks the current producer for no more frames (END) and waits briefly for its END."""
        if self.connection is not None:
            self.connection.finish()

    @property
    def frames(self):
        return sum(stats.frames for stats in self.streams.values())

    @property
    def gaps(self):
        return sum(stats.gaps for stats in self.streams.values())

    def close(self):
        if self.connection is not None:
            self.connection.close()
        self._listener.close()

    def _record(self, peer, error):
        if isinstance(error, ProtocolError) and error.probe:
            self.probes += 1
            return
        if isinstance(error, ProtocolError):
            text = f"{error_name(error.code)}: {error.reason}"
        else:
            text = str(error)
        self.errors.append(text)
        log.warning("%s: %s", _name(peer), text)


def _name(peer):
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else (peer or "unix peer")


LEFT_EARLY = "the receiving application left its loop before the stream ended: frames it had not handled are lost"


def receive(listen="tcp://127.0.0.1:5555", **options):
    """Frames from every producer that connects, one connection after another, until interrupted. Leaving the loop
    early tells the current producer ShuttingDown: a bare loop cannot tell `break` from an exception, and END would
    say every frame was handled. To end a producer's stream cleanly, use `with Receiver(...) as receiver:` (leaving
    the block normally, or receiver.stop(), sends END); Receiver.reply() answers a frame with a RESULT."""
    with Receiver(listen, **options) as receiver:
        yield from receiver
