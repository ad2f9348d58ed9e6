"""python3 -m rawframes send|recv: the Python implementation as programs, for interop tests and measurements.

Both print one JSON summary line on stdout at the end (fields named as the reference programs name them)."""

import argparse
import json
import logging
import resource
import sys
import time

import numpy as np

from . import codecs
from .receiver import Receiver
from .sender import Sender
from .synthetic import check, pattern
from .wire import PeerError, ProtocolError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m rawframes")
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
    recv = commands.add_parser("recv", help="receive frames from producers (e.g. rawframes-send)")
    recv.add_argument("--listen", default="tcp://127.0.0.1:5555")
    recv.add_argument("--frames", type=int, default=0, help="exit after N frames (the producer is sent END)")
    recv.add_argument("--once", action="store_true", help="exit when the first connection ends")
    recv.add_argument("--verify", action="store_true",
                      help="compare each frame with the synthetic pattern: raw byte for byte, JPEG by PSNR")
    recv.add_argument("--min-psnr", type=float, default=25.0)
    recv.add_argument("--max-message-bytes", type=int, default=64 * 1024 * 1024)
    for command in (send, recv):
        command.add_argument("--quiet", action="store_true", help="no log lines on stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(name)s: %(message)s")
    try:
        summary = run_send(args) if args.command == "send" else run_recv(args)
    except (OSError, ProtocolError, PeerError, ValueError) as error:
        # One line in the user's words, and the JSON line with the error, as the reference programs do.
        print(f"python3 -m rawframes {args.command}: {error}", file=sys.stderr)
        summary = {"error": str(error), "_exit": 1}
    code = summary.pop("_exit", 0)
    summary.setdefault("error", None)
    summary["exit_code"] = code
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    return code


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


def run_recv(args):
    verified = failures = 0
    psnr_min = None
    problems = []
    nbytes = 0
    start = cpu = None
    receiver = Receiver(args.listen, max_message_length=args.max_message_bytes, once=args.once)
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


if __name__ == "__main__":
    sys.exit(main())
