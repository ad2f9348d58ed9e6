"""The README's Python snippets, run as printed with Debian's OpenCV (python3-opencv): the receive loop and the
receive-into-OpenCV loop fed by rawframes-send, the OpenCV capture-and-send loop (its camera replaced by a clip
ffmpeg makes) feeding rawframes-recv, and the model loop fed model inputs by rawframes-relay --model."""

import json
import re
import subprocess
import sys

from conftest import HERE, REPO, program
import pytest

# Starts the reference programs, a server or a converter: the full tier only (scripts/test.sh, not --fast).
pytestmark = pytest.mark.process

ALL = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
# By what each does, in the order the Python section shows them, then the model loop of the model-ready section.
SNIPPETS = [next(s for s in ALL if "cv2" not in s and "rawframes.receive(" in s), next(s for s in ALL if "cv2.VideoCapture" in s),
            next(s for s in ALL if "cv2.Canny" in s), next(s for s in ALL if "rawframes.subscribe(" in s),
            next(s for s in ALL if "rawframes.open_recording(" in s)]
# The numpy-to-browser snippet runs in tests/Programs/HttpViewerBrowserTests.cs, where Chromium watches the page.
BROWSER = next(s for s in ALL if "rawframes-recv --http" in s)


def test_readme_has_the_six_snippets():
    assert len(ALL) == 6 and len(set(SNIPPETS + [BROWSER])) == 6


def on_port(snippet, port):
    """The snippet with its port 5555 replaced by a free one."""
    assert "tcp://127.0.0.1:5555" in snippet
    return snippet.replace("tcp://127.0.0.1:5555", f"tcp://127.0.0.1:{port}")


def run_receive_snippet(snippet, port, frames):
    """Runs a receive snippet fed by rawframes-send with `frames` synthetic frames; its first `frames` lines, split."""
    # Unbuffered, as on a terminal: the lines are read while the snippet still runs (it loops until killed).
    receiver = subprocess.Popen([sys.executable, "-u", "-c", on_port(snippet, port)], cwd=HERE.parent,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{port}", "--frames", str(frames),
                                 "--source", "synthetic:64x48", "--json", "--quiet", "--connect-timeout", "20"],
                                capture_output=True, text=True, timeout=60)
        assert json.loads(sender.stdout)["confirmed"] is True, sender.stderr
        return [receiver.stdout.readline().split() for _ in range(frames)]
    finally:
        receiver.kill()
        receiver.communicate()


def test_receive_snippet_prints_every_frame_from_the_reference_sender(free_port):
    lines = run_receive_snippet(SNIPPETS[0], free_port, 5)
    assert [line[:2] for line in lines] == [["0", str(n)] for n in range(5)]
    assert all(" ".join(line[2:5]) == "(48, 64, 3)" for line in lines)


def test_opencv_receive_snippet_runs_canny_on_every_frame(free_port):
    lines = run_receive_snippet(SNIPPETS[2], free_port, 5)
    assert [line[0] for line in lines] == [str(n) for n in range(5)]
    assert all(int(line[1]) > 0 for line in lines), "the synthetic pattern has edges"


def test_opencv_send_snippet_feeds_the_reference_receiver(tmp_path, free_port):
    clip = tmp_path / "clip.mkv"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=25:duration=1", "-c:v", "ffv1", str(clip)], check=True, timeout=60)
    snippet = on_port(SNIPPETS[1], free_port)
    assert "cv2.VideoCapture(0)" in snippet
    receiver = subprocess.Popen([program("rawframes-recv"), "--listen", f"tcp://127.0.0.1:{free_port}", "--once",
                                 "--decode", "bgr", "--json", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    sent = subprocess.run([sys.executable, "-c", snippet.replace("cv2.VideoCapture(0)", f"cv2.VideoCapture({str(clip)!r})")],
                          cwd=HERE.parent, capture_output=True, text=True, timeout=60)
    out, err = receiver.communicate(timeout=60)
    assert sent.returncode == 0, sent.stderr
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["frames"] == 25 and summary["decoded"] == 25 and summary["corrupt_frames"] == 0, err


def test_model_snippet_gets_batches_of_model_inputs_from_the_relay(tmp_path, free_port):
    from test_model_inputs import wait_for_line
    socket_path = tmp_path / "model.sock"
    snippet = SNIPPETS[3]
    assert "shm:///tmp/model.sock" in snippet and "--model 640x640 --batch 8" in snippet
    relay = subprocess.Popen([program("rawframes-relay"), "--listen", f"tcp://127.0.0.1:{free_port}", "--serve", f"unix://{socket_path}",
                              "--model", "640x640", "--batch", "8", "--once", "--json", "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    consumer = subprocess.Popen([sys.executable, "-u", "-c", snippet.replace("/tmp/model.sock", str(socket_path))], cwd=HERE.parent,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_line(relay.stderr, "subscriber 1:")
        sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{free_port}", "--source", "synthetic:1920x1080",
                                 "--codec", "jpeg", "--frames", "16", "--json", "--quiet"], capture_output=True, text=True, timeout=120)
        assert sender.returncode == 0, sender.stderr
        out, err = consumer.communicate(timeout=120)
    finally:
        consumer.kill()
        relay.kill()
    lines = [line.split(maxsplit=1) for line in out.strip().splitlines()]
    assert [int(sequence) for sequence, _ in lines] == list(range(16)), err
    assert all(rest.startswith("(8, 3, 640, 640) ") and float(rest.split()[-1]) == 140 for _, rest in lines)  # 1080p: 140 rows of border


def test_recording_snippet_reads_from_sequence_100(tmp_path, free_port):
    from test_recording import record
    record(tmp_path / "door.rfrec", free_port, "--source", "synthetic:64x48", "--frames", "110")
    done = subprocess.run([sys.executable, "-c", SNIPPETS[4]], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "PYTHONPATH": str(HERE.parent)})
    assert done.returncode == 0, done.stderr
    lines = [line.split(maxsplit=2) for line in done.stdout.strip().splitlines()]
    assert [int(sequence) for sequence, _, _ in lines] == list(range(100, 110)) and {shape for *_, shape in lines} == {"(48, 64, 3)"}
