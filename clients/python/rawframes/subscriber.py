"""A consumer that connects: frames from a relay (PROTOCOL.md §16), e.g. model inputs from rawframes-relay --model
(§7.2, §17) over shared memory, where each batch arrives as one numpy NCHW view of the relay's ring."""

import socket
import time

from . import endpoint as endpoints
from .connection import SOFTWARE, Connection
from .frame import Frame
from .wire import Role

# A batch of 16 model inputs of 640x640 float32 is 79 MB: allow messages (and ring slots) up to 1 GiB.
SUBSCRIBER_MAX_MESSAGE_LENGTH = 1 << 30


class Subscription:
    """A connection to a relay's --serve endpoint, open once constructed; iterating yields its frames until the relay
    sends END. On unix:// (or shm://) frames come through shared memory: each frame's views are valid until the next
    one is asked for, when its slot is released."""

    def __init__(self, endpoint, *, max_message_length=SUBSCRIBER_MAX_MESSAGE_LENGTH, connect_timeout=10.0, software=SOFTWARE):
        family, address = endpoints.parse(endpoint)
        deadline = time.monotonic() + connect_timeout
        delay = 0.05
        while True:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.connect(address)
                break
            except (FileNotFoundError, ConnectionRefusedError) as error:
                sock.close()
                if time.monotonic() + delay > deadline:
                    raise ConnectionError(f"{endpoint}: nothing accepts connections there after {connect_timeout:g} s "
                                          f"({error.strerror}); is rawframes-relay running with --serve {endpoint}?") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        endpoints.tune(sock)
        self.connection = Connection.open(sock, Role.CONSUMER, connector=True, max_message_length=max_message_length,
                                          software=software)

    def __iter__(self):
        while (message := self.connection.read()) is not None:
            if isinstance(message, Frame):
                yield message

    def close(self):
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def subscribe(endpoint, **options):
    """A Subscription to a relay (retrying the connection for `connect_timeout` seconds, for a relay still starting)."""
    return Subscription(endpoint, **options)
