"""What the C# library offers an application, from Python: a subscription with a policy and a queue, leaving the loop
ends the stream with END, worded errors for a busy address, and codec and pixel format names."""

import json
import socket
import subprocess
import threading

import pytest

import rawframes
from conftest import program
from rawframes import Codec, PixelFormat
from test_model_inputs import wait_for_line


def test_codecs_and_pixel_formats_print_as_the_programs_name_them():
    assert (str(Codec.JPEG), f"{Codec.YUV_JPEG}", str(PixelFormat.BGR24), f"{PixelFormat.GRAY8:>6}") == ("jpeg", "yuv-jpeg", "bgr24", " gray8")
    assert Codec.JPEG == 1 and PixelFormat(1) is PixelFormat.BGR24  # still the wire's numbers


def test_a_busy_address_is_refused_in_words():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on tcp://127.0.0.1:{port}: the address is in use"):
            rawframes.Receiver(f"tcp://127.0.0.1:{port}")


def test_a_subscription_option_written_wrong_is_refused_before_connecting():
    with pytest.raises(ValueError, match="policy='newest': expected one of lossless, latest"):
        rawframes.subscribe("tcp://127.0.0.1:9", policy="newest")
    with pytest.raises(ValueError, match="queue is 0 .* to 1024 frames, not 5000"):
        rawframes.subscribe("tcp://127.0.0.1:9", queue=5000)


@pytest.mark.process
def test_subscribe_with_the_latest_policy_is_what_the_relay_serves(free_port, tmp_path):
    path = tmp_path / "relay.sock"
    relay = subprocess.Popen([program("rawframes-relay"), "--listen", f"tcp://127.0.0.1:{free_port}", "--serve", f"unix://{path}",
                              "--once", "--json", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with rawframes.subscribe(f"unix://{path}", policy="latest", stream=0) as subscription:
            said = wait_for_line(relay.stderr, "subscriber 1:")
            assert "latest," in said[-1], said
            sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{free_port}", "--source", "synthetic:64x48",
                                     "--frames", "20", "--json", "--quiet"], capture_output=True, text=True, timeout=120)
            assert sender.returncode == 0, sender.stderr
            frames = [frame.sequence for frame in subscription]
        out = relay.stdout.read()
        relay.wait(timeout=60)
    finally:
        relay.kill()
    assert frames and frames == sorted(frames) and frames[-1] == 19  # the newest frame always arrives; older ones may not
    subscriber = json.loads(out.strip().splitlines()[-1])["subscriptions"][0]
    assert subscriber["policy"] == "latest"


@pytest.mark.process
def test_leaving_the_receiver_block_ends_the_senders_stream_cleanly(free_port):
    frames = []

    def consume():
        with rawframes.Receiver(f"tcp://127.0.0.1:{free_port}") as receiver:
            for frame in receiver:
                frames.append(frame.sequence)
                if len(frames) == 5:
                    break  # the block ends normally: the sender hears END, not a lost connection

    consumer = threading.Thread(target=consume)
    consumer.start()
    sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{free_port}", "--source", "synthetic:64x48@100",
                             "--frames", "100000", "--json", "--quiet"], capture_output=True, text=True, timeout=120)
    consumer.join(timeout=60)
    summary = json.loads(sender.stdout.strip().splitlines()[-1])
    assert frames == [0, 1, 2, 3, 4]
    assert sender.returncode == 0, sender.stderr
    assert (summary["stopped_by"], summary["error"], summary["confirmed"]) == ("receiver", None, True)


def test_leaving_a_bare_receive_loop_tells_the_sender_shutting_down_not_end(free_port):
    """A bare loop cannot tell break from an exception, so it never claims with END that every frame was handled."""
    frames = []

    def consume():
        for frame in rawframes.receive(f"tcp://127.0.0.1:{free_port}"):
            frames.append(frame.sequence)
            if len(frames) == 5:
                break

    consumer = threading.Thread(target=consume)
    consumer.start()
    sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{free_port}", "--source", "synthetic:64x48@100",
                             "--frames", "100000", "--no-reconnect", "--json", "--quiet"], capture_output=True, text=True, timeout=120)
    consumer.join(timeout=60)
    summary = json.loads(sender.stdout.strip().splitlines()[-1])
    assert frames == [0, 1, 2, 3, 4]
    assert summary["confirmed"] is False
    assert "ShuttingDown" in summary["error"] and "left its loop" in summary["error"]
