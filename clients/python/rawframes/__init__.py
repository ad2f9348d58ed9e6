"""RawFrames for Python: PROTOCOL.md's frames as numpy arrays. Standard library + numpy; OpenCV or Pillow decode
JPEG and PNG when importable."""

from .codecs import CodecUnavailable, CorruptPayload
from .connection import Connection, ConnectionClosed
from .frame import Frame
from .nats import NatsPublisher, NatsSubscription
from .receiver import Receiver, receive
from .recording import Recording, open_recording
from .sender import Sender
from .subscriber import subscribe
from .wire import Codec, ErrorCode, PeerError, PixelFormat, ProtocolError, Role

__all__ = ["Codec", "CodecUnavailable", "Connection", "ConnectionClosed", "CorruptPayload", "ErrorCode", "Frame", "NatsPublisher", "NatsSubscription",
           "PeerError", "PixelFormat", "ProtocolError", "Receiver", "Recording", "Role", "Sender", "open_recording", "receive", "subscribe"]
