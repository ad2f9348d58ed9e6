"""The `rawframes` command (or python3 -m rawframes): send, receive (recv), export, info.

send, receive and export print one JSON summary line on stdout at the end (fields named as the reference programs
name them); info says what this installation is and what it can decode."""

import argparse
import json
import logging
import os
import platform
import resource
import sys
import time

import numpy as np

from . import codecs
from .receiver import Receiver
from .sender import Sender
from .synthetic import check, pattern
from .wire import Codec, PeerError, PixelFormat, ProtocolError


def _program():
    """The name the user typed: `rawframes` when installed (pip's console command), else python3 -m rawframes."""
    return "rawframes" if os.path.basename(sys.argv[0]) == "rawframes" else "python3 -m rawframes"


def main(argv=None):
    from . import __version__
    parser = argparse.ArgumentParser(prog=_program(), description="RawFrames (PROTOCOL.md) for Python: live frames as numpy arrays.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send", help="send synthetic frames to a consumer (e.g. rawframes-recv)")
    send.add_argument("--to", default="tcp://127.0.0.1:5555")
    send.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT of the synthetic pattern")
    send.add_argument("--codec", choices=("raw", "jpeg"), default="raw")
    send.add_argument("--quality", type=int, default=80)
    send.add_argument("--frames", type=int, default=0, help="stop after N frames (0 = no limit)")
    send.add_argument("--duration", type=float, default=0, help="stop after S seconds (0 = no limit)")
    send.add_argument("--stream-id", type=int, default=0)
    send.add_argument("--ack", action="store_true")
    send.add_argument("--connect-timeout", type=float, default=10.0)
    recv = commands.add_parser("receive", aliases=["recv"], help="receive frames from producers (e.g. rawframes-send)")
    recv.add_argument("--listen", default="tcp://127.0.0.1:5555")
    recv.add_argument("--frames", type=int, default=0, help="exit after N frames (the producer is sent END)")
    recv.add_argument("--once", action="store_true", help="exit when the first connection ends")
    recv.add_argument("--verify", action="store_true",
                      help="compare each frame with the synthetic pattern: raw byte for byte, JPEG by PSNR")
    recv.add_argument("--min-psnr", type=float, default=25.0)
    recv.add_argument("--max-message-bytes", type=int, default=64 * 1024 * 1024)
    export = commands.add_parser("export", help="a recording (rawframes-recv --record) to a video file any player opens, "
                                                "JPEG frames without re-encoding (ffmpeg)")
    export.add_argument("recording")
    export.add_argument("output", help="e.g. out.mkv (JPEG frames are copied as they are) or out.nut (raw frames as rawvideo)")
    export.add_argument("--stream", type=int, default=None, help="the stream to export (default: the first frame's)")
    info = commands.add_parser("info", help="this installation: version, protocol, numpy, JPEG/PNG decoder, transports")
    info.add_argument("--json", action="store_true", help="one JSON line instead of lines of text")
    for command in (send, recv, export):
        command.add_argument("--quiet", action="store_true", help="no log lines on stderr")
    args = parser.parse_args(argv)
    if args.command == "info":
        return run_info(args)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(name)s: %(message)s")
    try:
        summary = {"send": run_send, "receive": run_recv, "recv": run_recv, "export": run_export}[args.command](args)
    except (OSError, ProtocolError, PeerError, ValueError) as error:
        # One line in the user's words, and the JSON line with the error, as the reference programs do.
        print(f"{_program()} {args.command}: {error}", file=sys.stderr)
        summary = {"error": str(error), "_exit": 1}
    code = summary.pop("_exit", 0)
    summary.setdefault("error", None)
    summary["exit_code"] = code
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    return code


def run_info(args):
    from . import __version__
    from .wire import VERSION
    decoder = codecs.backend()
    facts = {"version": __version__, "protocol_version": VERSION, "python": platform.python_version(), "numpy": np.__version__,
             "jpeg_png_decoder": decoder, "transports": ["tcp", "unix", "shm", "nats"],
             "package": os.path.dirname(os.path.abspath(__file__))}
    if args.json:
        print(json.dumps(facts, separators=(",", ":")))
        return 0
    print(f"rawframes {__version__} (PROTOCOL.md version {VERSION}) at {facts['package']}")
    print(f"Python {facts['python']}, numpy {facts['numpy']}")
    print("JPEG and PNG: " + (f"decoded with {'OpenCV (cv2)' if decoder == 'opencv' else 'Pillow'}" if decoder else
                              "no decoder: install python3-opencv or python3-pil (Debian), or pip install 'rawframes[jpeg]'; raw and BMP frames work without"))
    print("transports: tcp://, unix://, shm:// (shared memory on one host), nats:// (publish and subscribe)")
    return 0


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rates(summary, frames, nbytes, seconds, cpu):
    summary.update(frames=frames, bytes=nbytes, seconds=round(seconds, 3),
                   fps=round(frames / seconds, 1) if seconds else 0,
                   mb_per_s=round(nbytes / seconds / 1e6, 1) if seconds else 0,
                   cpu_ms_per_frame=round(cpu * 1000 / frames, 3) if frames else None)
    return summary


def run_send(args):
    width, height = (int(part) for part in args.size.lower().split("x"))
    source = pattern(width, height)
    sender = Sender.connect(args.to, stream_id=args.stream_id, codec=args.codec, quality=args.quality,
                            connect_timeout=args.connect_timeout, ack=args.ack)
    start, cpu = time.monotonic(), _cpu_seconds()
    stopped_by = "frames"
    try:
        sequence = 0
        while not args.frames or sequence < args.frames:
            if args.duration and time.monotonic() - start >= args.duration:
                stopped_by = "duration"
                break
            sequence += 1
            if not sender.send(source.image(sequence), sequence=sequence):
                stopped_by = "receiver"
                break
    except KeyboardInterrupt:
        stopped_by = "signal"
    finally:
        confirmed = sender.close()
    seconds, cpu = time.monotonic() - start, _cpu_seconds() - cpu
    summary = _rates({"endpoint": args.to, "codec": args.codec, "width": width, "height": height},
                     sender.frames, sender.bytes, seconds, cpu)
    summary.update(stopped_by=stopped_by, confirmed=confirmed)
    if args.ack:
        rtts = np.array(sender.ack_rtts_ns, dtype=np.float64) / 1e6
        summary.update(acked=len(rtts), ack_rtt_ms_p50=round(float(np.percentile(rtts, 50)), 3) if len(rtts) else None,
                       ack_rtt_ms_p99=round(float(np.percentile(rtts, 99)), 3) if len(rtts) else None)
    return summary


def _listening(listen, receiver):
    """The endpoint as bound: tcp://HOST:PORT with the port chosen when asked for port 0; a unix endpoint as given."""
    if listen.startswith("tcp://"):
        host, port = receiver.address[:2]
        return f"tcp://{host}:{port}"
    return listen


def run_recv(args):
    verified = failures = 0
    psnr_min = None
    problems = []
    nbytes = 0
    start = cpu = None
    receiver = Receiver(args.listen, max_message_length=args.max_message_bytes, once=args.once)
    # Said once the socket listens, so that whoever started this program knows when to connect.
    print(f"{_program()} recv: listening on {_listening(args.listen, receiver)}", file=sys.stderr, flush=True)
    try:
        for frame in receiver:
            if start is None:
                start, cpu = time.monotonic(), _cpu_seconds()
            nbytes += len(frame.payload)
            if args.verify:
                problem, quality = check(frame, args.min_psnr)
                verified += 1
                if quality is not None:
                    psnr_min = quality if psnr_min is None else min(psnr_min, quality)
                if problem:
                    failures += 1
                    if len(problems) < 10:
                        problems.append(problem)
                        logging.getLogger("rawframes").warning("%s", problem)
            if args.frames and receiver.frames >= args.frames:
                receiver.stop()
                break
    except KeyboardInterrupt:
        pass
    finally:
        receiver.close()
    seconds = time.monotonic() - start if start is not None else 0
    summary = _rates({"listen": args.listen}, receiver.frames, nbytes, seconds,
                     _cpu_seconds() - cpu if cpu is not None else 0)
    summary.update(gaps=receiver.gaps, connections=receiver.connections, verified=verified,
                   verify_failures=failures, psnr_min_db=None if psnr_min in (None, float("inf")) else round(psnr_min, 2),
                   errors=len(receiver.errors), error_messages=receiver.errors + problems,
                   streams=[{"connection": key[0], "stream_id": key[1], "frames": s.frames,
                             "first_sequence": s.first_sequence, "last_sequence": s.last_sequence, "gaps": s.gaps}
                            for key, s in receiver.streams.items()],
                   decoder=codecs.backend())
    summary["_exit"] = 1 if failures or receiver.errors else 0
    return summary



# Raw layouts ffmpeg reads as rawvideo, with the bytes per pixel of their first plane.
_RAWVIDEO = {PixelFormat.BGR24: ("bgr24", 3), PixelFormat.RGB24: ("rgb24", 3), PixelFormat.BGRA32: ("bgra", 4), PixelFormat.GRAY8: ("gray", 1)}


def run_export(args):
    """One stream of a recording into a container through ffmpeg: JPEG payloads copied (no re-encoding), packed raw
    frames as rawvideo with their row padding dropped; the rate from the frames' own timestamps."""
    import subprocess
    from .recording import Recording
    with Recording(args.recording) as recording:
        frames = list(recording)
        if not frames:
            raise ValueError(f"{args.recording} holds no frames")
        stream = frames[0].stream_id if args.stream is None else args.stream
        frames = [frame for frame in frames if frame.stream_id == stream]
        if not frames:
            raise ValueError(f"{args.recording} holds no frames of stream {stream}")
        first = frames[0]
        if any((f.codec, f.pixel_format, f.width, f.height) != (first.codec, first.pixel_format, first.width, first.height) for f in frames):
            raise ValueError(f"stream {stream} changes codec or size midway; a video file holds one size")
        span = frames[-1].timestamp_ns - first.timestamp_ns
        rate = (len(frames) - 1) * 1e9 / span if len(frames) > 1 and span > 0 else 30.0
        if first.codec == Codec.JPEG:
            source = ["-f", "mjpeg", "-framerate", f"{rate:.6f}", "-i", "-", "-c:v", "copy"]
        elif first.codec == Codec.RAW and first.pixel_format in _RAWVIDEO and args.output.lower().endswith((".mkv", ".mka", ".webm")):
            raise ValueError(f"{args.output}: Matroska holds no raw RGB video; export raw frames to .nut or .avi (rawvideo, no re-encoding)")
        elif first.codec == Codec.RAW and first.pixel_format in _RAWVIDEO:
            name, _ = _RAWVIDEO[first.pixel_format]
            source = ["-f", "rawvideo", "-pixel_format", name, "-video_size", f"{first.width}x{first.height}", "-framerate", f"{rate:.6f}",
                      "-i", "-", "-c:v", "rawvideo"]
        else:
            raise ValueError(f"{first.codec.name}/{first.pixel_format.name} frames: export takes JPEG or packed raw frames (BGR24, RGB24, BGRA32, GRAY8)")
        ffmpeg = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *source, args.output], stdin=subprocess.PIPE)
        try:
            for frame in frames:
                if frame.codec == Codec.JPEG:
                    ffmpeg.stdin.write(frame.payload)
                else:
                    ffmpeg.stdin.write(memoryview(frame.image.copy() if frame.stride != frame.width * _RAWVIDEO[frame.pixel_format][1] else frame.image).cast("B"))
            ffmpeg.stdin.close()
        except BrokenPipeError:
            pass
        count, codec = len(frames), first.codec.name.lower()
        frames.clear()
        del first
        if ffmpeg.wait() != 0:
            raise OSError(f"ffmpeg could not write {args.output} (exit code {ffmpeg.returncode})")
    return {"output": args.output, "stream": stream, "frames": count, "codec": codec, "fps": round(rate, 3)}


if __name__ == "__main__":
    sys.exit(main())
