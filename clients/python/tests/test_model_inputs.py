"""rawframes-relay --model serves model inputs to a Python consumer over shared memory (PROTOCOL.md §7.2, §17): each
batch is one (N, 3, H, W) float32 numpy view of the relay's ring, with each image's source frame and letterbox."""

import json
import queue
import socket
import subprocess
import threading
import time

from conftest import program
from rawframes import Codec, Connection, ErrorCode, PeerError, PixelFormat, ProtocolError, Role, subscribe
from rawframes.wire import Capability
import pytest

# Starts the reference programs, a server or a converter: the full tier only (scripts/test.sh, not --fast).
pytestmark = pytest.mark.process


def wait_for_line(stream, text, timeout=60):
    """Reads `stream` on a thread until a line contains `text`; the lines read so far."""
    lines = queue.Queue()

    def read():
        try:
            for line in stream:
                lines.put(line)
        except ValueError:
            pass  # closed when the process was reaped

    threading.Thread(target=read, daemon=True).start()
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=deadline - time.monotonic())
        except queue.Empty:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"no line with {text!r} within {timeout} s; got {seen}")


def test_a_python_subscriber_gets_batches_of_model_inputs_through_shared_memory(free_port, tmp_path):
    path = tmp_path / "model.sock"
    relay = subprocess.Popen([program("rawframes-relay"), "--listen", f"tcp://127.0.0.1:{free_port}", "--serve", f"unix://{path}",
                              "--model", "64x64", "--batch", "4", "--once", "--json", "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with subscribe(f"shm://{path}") as subscription:
            wait_for_line(relay.stderr, "subscriber 1:")
            sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{free_port}", "--source", "synthetic:160x90",
                                     "--frames", "10", "--json", "--quiet"], capture_output=True, text=True, timeout=120)
            assert sender.returncode == 0, sender.stderr
            batches = []
            for frame in subscription:
                tensor = frame.tensor()
                assert isinstance(frame.payload, memoryview) and frame.payload.readonly  # the relay's ring, not a copy
                batches.append((tensor.shape, str(tensor.dtype), frame.tensor_items(), tensor[:, :, :14, :].copy(), float(tensor.max())))
        out = relay.stdout.read()  # the stderr reader thread keeps draining stderr
        relay.wait(timeout=60)
    finally:
        relay.kill()
    summary = json.loads(out.strip().splitlines()[-1])
    assert [shape for shape, *_ in batches] == [(4, 3, 64, 64), (4, 3, 64, 64), (2, 3, 64, 64)]  # the last batch holds what was left
    assert {dtype for _, dtype, *_ in batches} == {"float32"}
    items = [item for _, _, batch_items, *_ in batches for item in batch_items]
    assert [item["sequence"] for item in items] == list(range(10))
    # 160x90 into 64x64: scale 0.4, content 64x36 with 14 rows of border above (PROTOCOL.md §17's geometry).
    assert {(item["scale_x"], item["offset_x"], item["offset_y"], item["source_width"]) for item in items} == {(0.4, 0.0, 14.0, 160)}
    assert all((border == 114 / 255).all() for *_, border, _ in batches) and all(peak <= 1.0 for *_, peak in batches)
    assert (summary["model_batches"], summary["model_inputs"], summary["batch"]) == (3, 10, 4)
    assert summary["model"]["pixel_format"] == "RGB_F32_CHW"


def test_a_slow_stream_gets_partial_batches_after_the_batch_wait(free_port, tmp_path):
    """--batch-wait-ms: a stream at 10 fps with batches of 4 would wait 400 ms per batch; with a 20 ms wait each image
    goes out soon after it came, in a batch of fewer."""
    path = tmp_path / "model.sock"
    relay = subprocess.Popen([program("rawframes-relay"), "--listen", f"tcp://127.0.0.1:{free_port}", "--serve", f"unix://{path}",
                              "--model", "32x32", "--batch", "4", "--batch-wait-ms", "20", "--once", "--json", "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with subscribe(f"shm://{path}") as subscription:
            wait_for_line(relay.stderr, "subscriber 1:")
            sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{free_port}", "--source", "synthetic:64x48",
                                     "--fps", "10", "--frames", "6", "--json", "--quiet"], capture_output=True, text=True, timeout=120)
            assert sender.returncode == 0, sender.stderr
            counts = [frame.count for frame in subscription]
        relay.stdout.read()
        relay.wait(timeout=60)
    finally:
        relay.kill()
    assert sum(counts) == 6 and len(counts) > 2 and max(counts) < 4, counts  # full batches only would be [4, 2]


def test_a_consumer_that_cannot_read_model_inputs_is_refused_by_the_relay_in_words(free_port, tmp_path):
    """PROTOCOL.md §5, §7.2: a relay serving model inputs answers a HELLO without MODEL_INPUTS (bit 3) with ERROR
    NotCapable saying why, where an older consumer would otherwise meet pixel formats it does not know."""
    path = tmp_path / "model.sock"
    relay = subprocess.Popen([program("rawframes-relay"), "--listen", f"tcp://127.0.0.1:{free_port}", "--serve", f"unix://{path}",
                              "--model", "32x32", "--json", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_line(relay.stderr, "subscribers connect to")
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(path))
            connection = Connection.open(sock, Role.CONSUMER, connector=True, capabilities=Capability.NONE)
            with pytest.raises(PeerError) as refused:
                connection.read()
        assert refused.value.code == ErrorCode.NOT_CAPABLE
        assert "MODEL_INPUTS" in refused.value.reason and "--model" in refused.value.reason
    finally:
        relay.kill()
        relay.communicate()


def test_a_python_sender_does_not_send_a_model_input_to_a_consumer_that_cannot_read_it():
    """The producer's side of the same rule: the frame is refused before a byte of it is written."""
    producer_side, consumer_side = socket.socketpair()
    with producer_side, consumer_side:
        opened = {}
        consumer = threading.Thread(target=lambda: opened.update(c=Connection.open(consumer_side, Role.CONSUMER, connector=False)))
        consumer.start()
        producer = Connection.open(producer_side, Role.PRODUCER, connector=True, capabilities=Capability.MODEL_INPUTS)
        consumer.join(10)
        assert not producer.model_inputs
        with pytest.raises(ProtocolError) as refused:
            producer.send_frame(bytes(2 * 2 * 12), codec=Codec.RAW, pixel_format=PixelFormat.RGB_F32_CHW, width=2, height=2, stride=8, sequence=1)
        assert refused.value.code == ErrorCode.UNKNOWN_PIXEL_FORMAT and "MODEL_INPUTS" in str(refused.value)
