#!/usr/bin/env bash
# The main job: rawframes-send -> rawframes-recv on loopback with the built-in synthetic 1080p source, every frame
# verified. Live stats from both programs, then a summary table with the loopback ceiling measured beside it.
#   scripts/demo.sh [SECONDS] [extra rawframes-send options...]      e.g. scripts/demo.sh 10 --source synthetic:1280x720@60
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
scripts/setup.sh
build_release

seconds=${1:-5}
shift || true
port=$(free_port)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== rawframes-recv --verify on tcp://127.0.0.1:$port, rawframes-send for ${seconds}s" >&2
"$RECV" --listen "tcp://127.0.0.1:$port" --once --verify --json >"$out/recv.json" &
receiver=$!
set +e
"$SEND" --to "tcp://127.0.0.1:$port" --duration "$seconds" --json "$@" >"$out/send.json"
send_status=$?
wait "$receiver"
recv_status=$?
set -e

ceiling=$(iperf3_gbps 3)
s=$out/send.json
r=$out/recv.json
gbps=$(awk -v m="$(field "$r" mb_per_s)" 'BEGIN { printf "%.3f", m / 1000 }')
ratio=$( [ -n "$ceiling" ] && awk -v a="$gbps" -v b="$ceiling" 'BEGIN { printf "%.2f", a / b }' || echo "-")

cat <<TABLE

## RawFrames demo: raw BGR24 $(field "$s" width)x$(field "$s" height) over TCP loopback, verified

| figure | sender | receiver |
|---|---:|---:|
| frames | $(field "$s" frames) | $(field "$r" frames) |
| frames/s | $(field "$s" fps) | $(field "$r" fps) |
| MB/s | $(field "$s" mb_per_s) | $(field "$r" mb_per_s) |
| CPU ms per frame (whole process) | $(field "$s" cpu_ms_per_frame) | $(field "$r" cpu_ms_per_frame) |
| allocated bytes per frame | $(field "$s" allocated_bytes_per_frame) | $(field "$r" allocated_bytes_per_frame) |
| verify failures / gaps / errors | - | $(field "$r" verify_failures) / $(field "$r" gaps) / $(field "$r" errors) |
| latency p50 / p99 ms | - | $(field "$r" latency_ms_p50) / $(field "$r" latency_ms_p99) |
| end of stream confirmed | $(field "$s" confirmed) | - |
| loopback ceiling, iperf3 -l 1M (GB/s) | ${ceiling:-iperf3 missing} | ratio $ratio |

Verification compares every byte of every frame, so these rates are below the unverified maximum
(scripts/measure-raw.sh measures that against iperf3).
TABLE

[ "$send_status" -eq 0 ] && [ "$recv_status" -eq 0 ]
