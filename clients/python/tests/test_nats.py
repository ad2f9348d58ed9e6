"""Frames over NATS (PROTOCOL.md §19) between this client, written from the document with a plain-socket NATS client,
and the reference programs, through a real nats-server: both directions, every frame checked against the pattern."""

import json
import subprocess
import time

import pytest

from conftest import program
from rawframes import NatsPublisher, NatsSubscription
from rawframes.synthetic import check, pattern

# Starts the reference programs, a server or a converter: the full tier only (scripts/test.sh, not --fast).
pytestmark = pytest.mark.process


@pytest.fixture
def nats_server(tmp_path, free_port):
    config = tmp_path / "nats.conf"
    config.write_text(f"listen: 127.0.0.1:{free_port}\nmax_payload: 8388608\n")
    server = subprocess.Popen(["nats-server", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in server.stdout:
        if "Server is ready" in line:
            break
    yield f"nats://127.0.0.1:{free_port}"
    server.kill()
    server.wait()


def test_python_publisher_to_the_reference_receiver(nats_server):
    receiver = subprocess.Popen([program("rawframes-recv"), "--from", f"{nats_server}/cams.py", "--once", "--verify", "--json", "--quiet"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while "subscribed to" not in (line := receiver.stderr.readline()):
        assert line and time.monotonic() < deadline, "rawframes-recv did not subscribe"
    with NatsPublisher(f"{nats_server}/cams.py") as publisher:
        for sequence in range(40):
            publisher.send(pattern(320, 240).image(sequence))  # the synthetic frame of its sequence number, for --verify
    out, err = receiver.communicate(timeout=60)
    summary = json.loads(out.strip().splitlines()[-1])
    assert receiver.returncode == 0, err
    assert (summary["frames"], summary["gaps"]) == (40, 0)


def test_reference_sender_to_a_python_subscriber(nats_server):
    with NatsSubscription(f"{nats_server}/cams.door") as subscription:
        sender = subprocess.run([program("rawframes-send"), "--to", f"{nats_server}/cams.door", "--source", "synthetic:160x120", "--frames", "50",
                                 "--json", "--quiet"], capture_output=True, text=True, timeout=120)
        assert sender.returncode == 0, sender.stderr
        received = [(publisher, frame.sequence, check(frame)[0]) for publisher, frame in subscription]
    assert [sequence for _, sequence, _ in received] == list(range(50))
    assert {problem for *_, problem in received} == {None}  # every frame is the synthetic pattern of its number
    assert len({publisher for publisher, *_ in received}) == 1
