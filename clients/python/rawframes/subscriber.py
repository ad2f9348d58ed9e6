"""A consumer that connects: frames from a relay (PROTOCOL.md §16), e.g. model inputs from rawframes-relay --model
(§7.2, §17) over shared memory, where each batch arrives as one numpy NCHW view of the relay's ring."""

import socket
import time

from . import endpoint as endpoints
from .connection import SOFTWARE, Connection
from .frame import Frame
from .wire import Capability, Codec, Policy, Role, WhenFull, subscription_option

# A batch of 16 model inputs of 640x640 float32 is 79 MB: allow messages (and ring slots) up to 1 GiB.
SUBSCRIBER_MAX_MESSAGE_LENGTH = 1 << 30


class Subscription:
    """A connection to a relay's --serve endpoint, open once constructed; iterating yields its frames until the relay
    sends END, and leaving the loop early ends the subscription with END. On unix:// (or shm://) frames come through
    shared memory: each frame's views are valid until the next one is asked for, when its slot is released.

    What the relay sends (PROTOCOL.md §16.1), as `rawframes-recv --from` asks for it:
      policy     "lossless" (every frame, queued) or "latest" (only the newest: a slow model never falls behind)
      queue      frames the relay may queue for a lossless subscriber (0: the relay's --queue)
      when_full  "latest" (switch to the newest frames) or "disconnect" (end with ERROR TooSlow)
      stream     one stream id, or None for every stream
      codec      frames re-encoded as "jpeg", "png", ... once for every subscriber asking, or None as they arrive"""

    def __init__(self, endpoint, *, policy="lossless", queue=0, when_full="latest", stream=None, codec=None,
                 max_message_length=SUBSCRIBER_MAX_MESSAGE_LENGTH, connect_timeout=10.0, software=SOFTWARE):
        request = subscription_option(_named(Policy, policy, "policy"), _named(WhenFull, when_full, "when_full"),
                                      None if codec is None else _named(Codec, codec, "codec"), queue, stream)
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
                                          capabilities=Capability.MODEL_INPUTS, software=software, subscription=request)

    def __iter__(self):
        try:
            while (message := self.connection.read()) is not None:
                if isinstance(message, Frame):
                    yield message
        except GeneratorExit:
            # The loop was left (break, return): that is asking for no more frames (§4.2), not a lost connection.
            if self.connection.is_open:
                self.connection.finish()
            raise

    def close(self):
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def subscribe(endpoint, **options):
    """A Subscription to a relay (retrying the connection for `connect_timeout` seconds, for a relay still starting);
    the options are Subscription's (policy, queue, when_full, stream, codec)."""
    return Subscription(endpoint, **options)


def _named(kind, value, option):
    """An enum member from its name as the programs write it ("latest", "yuv-jpeg") or the member itself."""
    if isinstance(value, kind):
        return value
    try:
        return kind[str(value).upper().replace("-", "_")]
    except KeyError:
        names = ", ".join(member.name.lower().replace("_", "-") for member in kind)
        raise ValueError(f"{option}={value!r}: expected one of {names}") from None
