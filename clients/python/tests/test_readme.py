"""The README's two Python snippets, run as printed: the receive loop fed by rawframes-send, the OpenCV send loop
(with a stand-in cv2 whose capture yields synthetic frames) feeding rawframes-recv --verify."""

import json
import re
import subprocess
import sys

from conftest import HERE, REPO, program

SNIPPETS = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
FAKE_CV2 = '''
import io

import numpy as np
from PIL import Image

import rawframes.synthetic as synthetic

IMWRITE_JPEG_QUALITY = 1


def imencode(extension, bgr, parameters):
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(bgr[:, :, ::-1])).save(out, format="JPEG", quality=parameters[1])
    return True, np.frombuffer(out.getvalue(), np.uint8)


class VideoCapture:
    def __init__(self, source):
        self.sequence = 0
    def read(self):
        self.sequence += 1
        return (True, synthetic.pattern(320, 240).image(self.sequence)) if self.sequence <= 30 else (False, None)
'''


def test_readme_has_the_two_snippets():
    assert len(SNIPPETS) == 2 and "rawframes.receive(" in SNIPPETS[0] and "cv2.VideoCapture" in SNIPPETS[1]


def on_port(snippet, port):
    """The snippet with its port 5555 replaced by a free one."""
    assert "tcp://127.0.0.1:5555" in snippet
    return snippet.replace("tcp://127.0.0.1:5555", f"tcp://127.0.0.1:{port}")


def test_receive_snippet_prints_every_frame_from_the_reference_sender(free_port):
    # Unbuffered, as on a terminal: the lines are read while the snippet still runs (it loops until killed).
    receiver = subprocess.Popen([sys.executable, "-u", "-c", on_port(SNIPPETS[0], free_port)], cwd=HERE.parent,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{free_port}", "--frames", "5",
                                 "--source", "synthetic:64x48", "--json", "--quiet", "--connect-timeout", "20"],
                                capture_output=True, text=True, timeout=60)
        assert json.loads(sender.stdout)["confirmed"] is True, sender.stderr
        lines = [receiver.stdout.readline().split() for _ in range(5)]
    finally:
        receiver.kill()
        receiver.communicate()
    assert [line[:2] for line in lines] == [["0", str(n)] for n in range(5)]
    assert all(" ".join(line[2:5]) == "(48, 64, 3)" for line in lines)


def test_opencv_send_snippet_feeds_the_reference_receiver(tmp_path, free_port):
    (tmp_path / "cv2.py").write_text(FAKE_CV2)
    receiver = subprocess.Popen([program("rawframes-recv"), "--listen", f"tcp://127.0.0.1:{free_port}", "--once", "--verify",
                                 "--decode", "bgr", "--json", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    sent = subprocess.run([sys.executable, "-c", on_port(SNIPPETS[1], free_port)], cwd=HERE.parent, capture_output=True, text=True,
                          timeout=60, env={"PYTHONPATH": f"{tmp_path}:{HERE.parent}"})
    out, err = receiver.communicate(timeout=60)
    assert sent.returncode == 0, sent.stderr
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["frames"] == 30 and summary["verified"] is True and summary["verify_failures"] == 0, err
