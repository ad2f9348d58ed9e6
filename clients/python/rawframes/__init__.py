"""RawFrames for Python: PROTOCOL.md's frames as numpy arrays. Standard library + numpy; OpenCV or Pillow decode
JPEG and PNG when importable."""

from .codecs import CodecUnavailable, CorruptPayload
from .connection import Connection, ConnectionClosed
from .frame import Frame
from .nats import NatsPublisher, NatsSubscription
from .receiver import Receiver, receive
from .recording import Recording, open_recording
from .sender import Sender
from .subscriber import Subscription, subscribe
from .wire import Codec, ErrorCode, PeerError, PixelFormat, Policy, ProtocolError, Role, WhenFull

try:
    from ._version import __version__  # written into the wheel when it is built
except ImportError:  # a checkout (PYTHONPATH=clients/python or pip install -e): the repository's VERSION file
    from pathlib import Path

    __version__ = (Path(__file__).resolve().parents[3] / "VERSION").read_text(encoding="utf-8").strip()

__all__ = ["Codec", "CodecUnavailable", "Connection", "ConnectionClosed", "CorruptPayload", "ErrorCode", "Frame", "NatsPublisher", "NatsSubscription",
           "PeerError", "PixelFormat", "Policy", "ProtocolError", "Receiver", "Recording", "Role", "Sender", "Subscription", "WhenFull", "__version__",
           "open_recording", "receive", "subscribe"]
