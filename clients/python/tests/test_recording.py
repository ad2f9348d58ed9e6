"""Recordings (PROTOCOL.md §18) made by rawframes-recv --record, read in Python from the document: frames as numpy views
of the mapped file, seeking, a cut file, and the export to a video file that ffprobe counts frame by frame."""

import json
import subprocess
import sys

import pytest

from conftest import HERE, program
from rawframes import Codec, open_recording
from rawframes.synthetic import check

# Starts the reference programs, a server or a converter: the full tier only (scripts/test.sh, not --fast).
pytestmark = pytest.mark.process


def record(path, port, *source):
    receiver = subprocess.Popen([program("rawframes-recv"), "--listen", f"tcp://127.0.0.1:{port}", "--once", "--record", str(path), "--json",
                                 "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sender = subprocess.run([program("rawframes-send"), "--to", f"tcp://127.0.0.1:{port}", *source, "--json", "--quiet"],
                            capture_output=True, text=True, timeout=120)
    out, err = receiver.communicate(timeout=120)
    assert sender.returncode == 0 and receiver.returncode == 0, sender.stderr + err
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("codec, source", [
    (Codec.RAW, ["--source", "synthetic:61x40", "--stride", "200", "--fps", "100"]),
    (Codec.JPEG, ["--source", "synthetic:320x240", "--codec", "jpeg", "--quality", "90", "--fps", "100"]),
])
def test_a_recording_reads_as_the_frames_that_were_sent(tmp_path, free_port, codec, source):
    path = tmp_path / "stream.rfrec"
    assert record(path, free_port, *source, "--frames", "20")["recorded"] == 20
    with open_recording(path) as recording:
        frames = list(recording)
        assert len(recording) == 20 and recording.truncated_bytes == 0
        assert [frame.sequence for frame in frames] == list(range(20)) and {frame.codec for frame in frames} == {codec}
        assert all(check(frame)[0] is None for frame in frames)  # every frame is the synthetic pattern of its number
        assert frames[0].payload.readonly  # a view of the mapped file
        middle = frames[10].timestamp_ns
        assert recording.seek_time(middle) == 10 and recording.seek_sequence(0, 15) == 15
        assert [frame.sequence for frame in recording.frames(recording.seek_sequence(0, 17))] == [17, 18, 19]
        del frames

    cut = tmp_path / "cut.rfrec"
    data = path.read_bytes()
    cut.write_bytes(data[:len(data) - 7])  # the recorder killed while writing the last frame
    with open_recording(cut) as recording:
        assert len(recording) == 19 and recording.truncated_bytes > 0


@pytest.mark.parametrize("codec, source, output, ffprobe_codec", [
    ("jpeg", ["--source", "synthetic:160x120", "--codec", "jpeg", "--fps", "25"], "out.mkv", "mjpeg"),
    ("raw", ["--source", "synthetic:64x48", "--stride", "200", "--fps", "25"], "out.nut", "rawvideo"),
])
def test_export_writes_a_video_file_any_player_opens(tmp_path, free_port, codec, source, output, ffprobe_codec):
    path = tmp_path / "stream.rfrec"
    record(path, free_port, *source, "--frames", "30")
    done = subprocess.run([sys.executable, "-m", "rawframes", "export", str(path), str(tmp_path / output), "--quiet"], cwd=HERE.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["frames"], summary["codec"]) == (30, codec) and 20 < summary["fps"] < 30
    probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                            "stream=codec_name,nb_read_frames", "-of", "json", str(tmp_path / output)], capture_output=True, text=True, timeout=60)
    stream = json.loads(probe.stdout)["streams"][0]
    assert (stream["codec_name"], int(stream["nb_read_frames"])) == (ffprobe_codec, 30)


def test_export_refuses_raw_frames_in_matroska_in_words(tmp_path, free_port):
    path = tmp_path / "stream.rfrec"
    record(path, free_port, "--source", "synthetic:64x48", "--frames", "3")
    done = subprocess.run([sys.executable, "-m", "rawframes", "export", str(path), str(tmp_path / "out.mkv"), "--quiet"], cwd=HERE.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "export raw frames to .nut or .avi" in done.stderr
