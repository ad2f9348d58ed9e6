"""rawframes-conformance --consumer against this client's receiver (python3 -m rawframes recv): every golden vector
that applies to its settings, played over a real TCP connection, passes (PROTOCOL.md §12)."""

import json
import subprocess
import sys

import pytest

from conftest import HERE, program

pytestmark = pytest.mark.process


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_the_python_receiver_passes_every_case_that_applies(tmp_path, transport):
    listen = "tcp://127.0.0.1:0" if transport == "tcp" else f"unix://{tmp_path}/consumer.sock"
    receiver = subprocess.Popen([sys.executable, "-m", "rawframes", "recv", "--listen", listen],
                                cwd=HERE.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = receiver.stderr.readline()  # the receiver says where it listens once it does
        assert "listening on " in line, line
        endpoint = line.split("listening on ")[1].strip()
        report = tmp_path / "report.json"
        kit = subprocess.run([program("rawframes-conformance"), "--consumer", endpoint, "--json", str(report)],
                             capture_output=True, text=True, timeout=300)
        failures = [line for line in kit.stdout.splitlines() if line.startswith("FAIL")]
        assert kit.returncode == 0, "\n".join(failures) + kit.stderr
        last = kit.stdout.strip().splitlines()[-1]
        passed, applied = map(int, last.removeprefix("conformance: ").removesuffix(" cases passed").split("/"))
        assert passed == applied > 65
        assert json.loads(report.read_text())["failed"] == 0
        # §4.3: the receiver pings a quiet producer that announced an idle timeout (the kit found that it did not).
        assert any(line.startswith("PASS liveness-ping") for line in kit.stdout.splitlines())
        if transport == "unix":  # §15: a real ring in /dev/shm, a SHARED_FRAME, RELEASE
            assert any(line.startswith("PASS shared-memory-frame") for line in kit.stdout.splitlines())
    finally:
        receiver.terminate()
        receiver.communicate(timeout=30)


def test_the_python_sender_passes_the_pattern_and_every_producer_case_that_applies():
    command = f"{sys.executable} -m rawframes send --to {{endpoint}} --size 64x48 --frames 30"
    kit = subprocess.run([program("rawframes-conformance"), "--producer-listen", "tcp://127.0.0.1:0", "--producer-command", command],
                         cwd=HERE.parent, capture_output=True, text=True, timeout=300)
    failures = [line for line in kit.stdout.splitlines() if line.startswith("FAIL")]
    assert kit.returncode == 0, "\n".join(failures) + kit.stderr
    assert any(line.startswith("PASS producer-pattern: 30 frames, 30 raw BGR24 ones verified") for line in kit.stdout.splitlines())
    passed, applied = map(int, kit.stdout.strip().splitlines()[-1].removeprefix("conformance: ").removesuffix(" cases passed").split("/"))
    assert passed == applied >= 14
