"""The library API end to end over real sockets, one Python producer thread and one Python consumer."""

import json
import socket
import threading
import time
import tracemalloc

import numpy as np
import pytest

from rawframes import (Codec, Connection, ErrorCode, PeerError, PixelFormat, ProtocolError, Receiver, Role, Sender,
                       codecs)
from rawframes.synthetic import luma_psnr, pattern
from rawframes.wire import PREAMBLE, MessageType


def endpoint_of(receiver):
    host, port = receiver.address[:2]
    return f"tcp://{host}:{port}"


def run_producer(target, *args):
    """Runs target(*args) on a thread; join() re-raises what it raised."""
    failure = []

    def body():
        try:
            target(*args)
        except BaseException as error:  # handed to the test thread
            failure.append(error)

    thread = threading.Thread(target=body, daemon=True)
    thread.start()

    def join():
        thread.join(30)
        assert not thread.is_alive(), "producer thread hung"
        if failure:
            raise failure[0]
    return join


def take(receiver, count):
    """The first `count` frames, copied (each view is only valid until the next read)."""
    frames = []
    for frame in receiver:
        frames.append(frame.copy())
        if len(frames) == count:
            break
    return frames


def test_bgr_gray_and_bgra_images_arrive_as_equal_numpy_views():
    images = [pattern(64, 48).image(s).copy() for s in (1, 2)]
    gray = np.arange(40 * 30, dtype=np.uint8).reshape(30, 40)
    bgra = np.random.default_rng(1).integers(0, 256, (20, 10, 4), dtype=np.uint8)
    with Receiver("tcp://127.0.0.1:0") as receiver:
        def produce(to):
            with Sender.connect(to) as sender:
                for image in (*images, gray, bgra):
                    assert sender.send(image)
        join = run_producer(produce, endpoint_of(receiver))
        frames = take(receiver, 4)
        join()
    assert [f.sequence for f in frames] == [1, 2, 3, 4]
    assert [f.pixel_format for f in frames] == [PixelFormat.BGR24, PixelFormat.BGR24, PixelFormat.GRAY8, PixelFormat.BGRA32]
    for frame, image in zip(frames, (*images, gray, bgra)):
        assert frame.image.shape == image.shape
        assert np.array_equal(frame.image, image)


def test_padded_rows_and_planar_frames_are_viewed_through_their_stride():
    width, height, stride = 5, 3, 20
    padded = np.full((height, stride), 0xEE, np.uint8)
    padded[:, :15] = np.arange(45, dtype=np.uint8).reshape(3, 15)
    i420 = np.arange(8 * 4 + 2 * 4 * 2, dtype=np.uint8)  # 7x4 with stride 8: Y 8x4, U and V 4x2 each
    with Receiver("tcp://127.0.0.1:0") as receiver:
        def produce(to):
            with Sender.connect(to) as sender:
                sender.connection.send_frame(padded, codec=Codec.RAW, pixel_format=PixelFormat.BGR24, width=width,
                                             height=height, stride=stride, sequence=1)
                sender.connection.send_frame(i420, codec=Codec.RAW, pixel_format=PixelFormat.I420, width=7, height=4,
                                             stride=8, sequence=2)
        join = run_producer(produce, endpoint_of(receiver))
        frames = take(receiver, 2)
        join()
    assert np.array_equal(frames[0].image, padded[:, :15].reshape(3, 5, 3))
    y, u, v = frames[1].planes
    assert y.shape == (4, 7) and u.shape == (2, 4) and v.shape == (2, 4)
    assert np.array_equal(y, i420[:32].reshape(4, 8)[:, :7])
    assert np.array_equal(u, i420[32:40].reshape(2, 4)) and np.array_equal(v, i420[40:48].reshape(2, 4))


def test_metadata_and_jpeg_round_trip():
    source = pattern(320, 240).image(5).copy()
    with Receiver("tcp://127.0.0.1:0") as receiver:
        def produce(to):
            with Sender.connect(to, codec="jpeg", quality=90) as sender:
                sender.send(source, metadata=json.dumps({"label": "cat"}).encode(), metadata_is_json=True)
                jpeg = codecs.encode_jpeg(source, 90)
                sender.send_jpeg(jpeg, metadata=b"\x00\x01")  # geometry read from the JPEG itself
        join = run_producer(produce, endpoint_of(receiver))
        frames = take(receiver, 2)
        join()
    assert frames[0].metadata_json() == {"label": "cat"}
    assert bytes(frames[1].metadata) == b"\x00\x01" and frames[1].metadata_json() is None
    for frame in frames:
        assert frame.codec == Codec.JPEG and (frame.width, frame.height) == (320, 240)
        assert luma_psnr(frame.decode(), source) > 30


def test_consumer_stop_ends_the_producer_cleanly_with_every_ack():
    sent = []
    with Receiver("tcp://127.0.0.1:0") as receiver:
        def produce(to):
            with Sender.connect(to, ack=True) as sender:
                image = pattern(32, 32).image(1)
                while sender.send(image):
                    time.sleep(0.001)
                sent.append(sender)
        join = run_producer(produce, endpoint_of(receiver))
        count = 0
        for _ in receiver:
            count += 1
            if count == 50:
                receiver.stop()
                break
        join()
    sender = sent[0]
    assert sender.confirmed and sender.stopped
    # The producer may have had a few frames in flight when the END came; the consumer discarded them unread.
    assert sender.frames >= 50
    assert len(sender.ack_rtts_ns) >= 50


def test_a_consumer_that_fails_on_its_first_frame_never_says_end():
    """END says every frame was handled (PROTOCOL.md §4.2): a `with` block left by an exception cuts the connection
    instead, so the producer's stream of six frames is not confirmed."""
    sent, told = [], []
    with pytest.raises(RuntimeError, match="the model failed"):
        with Receiver("tcp://127.0.0.1:0") as receiver:
            def produce(to):
                with Sender.connect(to) as sender:
                    sent.append(sender)
                    image = pattern(32, 32).image(1)
                    try:
                        for _ in range(6):
                            sender.send(image)
                        sender.close()
                    except PeerError as error:  # the consumer's ERROR came while sending
                        told.append(error)
            join = run_producer(produce, endpoint_of(receiver))
            for frame in receiver:
                raise RuntimeError(f"the model failed on frame {frame.sequence}")
    join()
    assert not sent[0].confirmed
    assert all(error.code == ErrorCode.SHUTTING_DOWN for error in told)


def test_request_reply_results_come_back_per_frame():
    results = {}
    with Receiver("tcp://127.0.0.1:0", results=True, once=True) as receiver:
        def produce(to):
            with Sender.connect(to, on_result=lambda stream, seq, data, is_json: results.__setitem__(seq, (data, is_json))) as sender:
                for sequence in range(1, 21):
                    sender.send(pattern(16, 16).image(sequence))
                    deadline = time.monotonic() + 10
                    while sequence not in results and time.monotonic() < deadline:
                        sender.connection.pending(50)
                        sender.poll()
        join = run_producer(produce, endpoint_of(receiver))
        for frame in receiver:
            receiver.reply(frame, json.dumps({"mean": float(frame.image.mean())}).encode(), is_json=True)
        join()
    assert sorted(results) == list(range(1, 21))
    for sequence, (data, is_json) in results.items():
        assert is_json and json.loads(data)["mean"] == pytest.approx(float(pattern(16, 16).image(sequence).mean()))


def test_garbage_peer_gets_an_error_and_the_next_producer_is_served():
    with Receiver("tcp://127.0.0.1:0") as receiver:
        host, port = receiver.address[:2]

        def produce(to):
            with socket.create_connection((host, port)) as garbage:
                garbage.sendall(PREAMBLE + b"\xff\xff\xff\x7f" + bytes(16))  # a 2 GiB length prefix
                answer = garbage.recv(4096)
                assert answer[:8] == PREAMBLE and answer[12] == MessageType.ERROR
            with Sender.connect(to) as sender:
                sender.send(pattern(8, 8).image(1))
        join = run_producer(produce, endpoint_of(receiver))
        frames = take(receiver, 1)
        join()
    assert frames[0].sequence == 1
    assert receiver.errors and receiver.errors[0].startswith("MessageTooLarge")


def test_a_frame_over_the_consumers_limit_is_refused_before_sending():
    with Receiver("tcp://127.0.0.1:0", max_message_length=4096, once=True) as receiver:
        def produce(to):
            with Sender.connect(to) as sender:
                with pytest.raises(ValueError, match="exceeds the 4096 bytes"):
                    sender.send(np.zeros((100, 100, 3), np.uint8))
                assert sender.send(np.zeros((10, 10, 3), np.uint8))
        join = run_producer(produce, endpoint_of(receiver))
        frames = list(receiver)
        join()
    assert [f.sequence for f in frames] == [1]


def test_sender_started_first_waits_for_the_receiver(free_port):
    to = f"tcp://127.0.0.1:{free_port}"
    join = run_producer(lambda: Sender.connect(to, connect_timeout=10).close())
    time.sleep(0.5)
    with Receiver(to, once=True) as receiver:
        assert list(receiver) == []
        assert receiver.connections == 1
    join()


def test_unix_socket_round_trip(tmp_path):
    to = f"unix://{tmp_path}/frames.sock"
    with Receiver(to) as receiver:
        join = run_producer(lambda: Sender.connect(to).send(pattern(64, 64).image(9)))
        frames = take(receiver, 1)
        join()
    assert np.array_equal(frames[0].image, pattern(64, 64).image(9))


def test_listen_on_a_unix_path_removes_only_a_stale_socket(tmp_path):
    """A typo in the listen path must not delete a user's file; a socket file left by a crashed receiver is replaced,
    and one that someone accepts on is refused."""
    precious = tmp_path / "notes.txt"
    precious.write_text("a user's file")
    with pytest.raises(OSError, match="is a regular file, not a socket; it was left untouched"):
        Receiver(f"unix://{precious}")
    assert precious.read_text() == "a user's file"
    with pytest.raises(OSError, match="is a folder, not a socket"):
        Receiver(f"unix://{tmp_path}")

    stale = tmp_path / "stale.sock"
    crashed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    crashed.bind(str(stale))
    crashed.close()  # the file stays, nobody accepts on it
    with Receiver(f"unix://{stale}") as receiver:
        with pytest.raises(OSError, match="is in use"):
            Receiver(f"unix://{stale}")
        assert receiver.connections == 0


def test_peer_error_during_opening_names_the_code():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def refuse():
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(PREAMBLE + b"\x0c\x00\x00\x00\x04\x00\x00\x00\x0e\x00\x00\x00full")  # ERROR ConnectionLimit
        conn.close()
    join = run_producer(refuse)
    with pytest.raises(PeerError) as error:
        Sender.connect(f"tcp://127.0.0.1:{port}")
    join()
    listener.close()
    assert error.value.code == 14 and error.value.reason == "full"


def test_receiving_allocates_no_buffer_per_frame():
    """After the first frame the receive buffer and the numpy view are reused: 200 frames of 900 KB each add less
    than one frame's worth of traced memory at the peak."""
    with Receiver("tcp://127.0.0.1:0") as receiver:
        def produce(to):
            with Sender.connect(to) as sender:
                image = pattern(640, 480).image(1)
                for _ in range(201):
                    sender.send(image)
        join = run_producer(produce, endpoint_of(receiver))
        iterator = iter(receiver)
        first = next(iterator)
        buffer_view = first.image
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        same_view = 0
        for count, frame in enumerate(iterator, 1):
            same_view += frame.image is buffer_view
            if count == 200:
                break
        peak = tracemalloc.get_traced_memory()[1] - baseline
        tracemalloc.stop()
        join()
    assert same_view == 200
    assert peak < 64 * 1024, f"peak {peak} bytes over 200 frames"


def test_a_silent_peer_is_dropped_after_the_opening_timeout_with_an_error():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    started = time.monotonic()
    with pytest.raises(ProtocolError) as error:
        Connection.open(server, Role.CONSUMER, connector=False, timeout=0.3)
    assert error.value.code == 12 and time.monotonic() - started < 5
    answer = client.recv(4096)
    assert answer[:8] == PREAMBLE and answer[12] == MessageType.ERROR and answer[16] == 12
    client.close()
    listener.close()
