#!/usr/bin/env bash
# Raw 1920x1080 BGR throughput of rawframes-send -> rawframes-recv (separate processes, TCP loopback, no verification)
# as a ratio to iperf3 with 1 MiB writes, and beside the best plain Python socket pair (bench/baselines), measured
# alternately in the same run. Prints each round and the medians.
#   scripts/measure-raw.sh [ROUNDS=5] [SECONDS=5] [ENDPOINT=tcp]    ENDPOINT tcp or unix
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start "$@"

echo "| round | iperf3 -l 1M GB/s | RawFrames GB/s | fps | ratio | Python socket GB/s | CPU ms/frame send | CPU ms/frame recv | alloc B/frame send | alloc B/frame recv |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "$rounds"); do
  ceiling=$(iperf3_gbps "$seconds")
  endpoint=$(measurement_endpoint)
  "$RECV" --listen "$endpoint" --once --quiet --json >"$out/recv.json" 2>"$out/recv.err" &
  receiver=$!
  "$SEND" --to "$endpoint" --duration "$seconds" --quiet --json >"$out/send.json" 2>"$out/send.err"
  wait "$receiver"
  gbps=$(awk -v m="$(field "$out/recv.json" mb_per_s)" 'BEGIN { printf "%.3f", m / 1000 }')
  ratio=$(awk -v a="$gbps" -v b="${ceiling:-0}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
  python=-
  if command -v python3 >/dev/null 2>&1; then
    port=$(free_port)
    python3 bench/baselines/python_socket.py recv "$port" "$seconds" >"$out/py.json" &
    python3 bench/baselines/python_socket.py send "$port" "$seconds"
    wait $!
    python=$(awk -v m="$(field "$out/py.json" mb_per_s)" 'BEGIN { printf "%.3f", m / 1000 }')
    echo "$python" >>"$out/python"
  fi
  echo "$ceiling" >>"$out/ceilings"; echo "$gbps" >>"$out/rates"; echo "$ratio" >>"$out/ratios"
  field "$out/recv.json" fps >>"$out/fps"
  echo "| $round | ${ceiling:--} | $gbps | $(field "$out/recv.json" fps) | $ratio | $python | $(field "$out/send.json" cpu_ms_per_frame) | $(field "$out/recv.json" cpu_ms_per_frame) | $(field "$out/send.json" allocated_bytes_per_frame) | $(field "$out/recv.json" allocated_bytes_per_frame) |"
done
echo "| median | $(median <"$out/ceilings") | $(median <"$out/rates") | $(median <"$out/fps") | $(median <"$out/ratios") | $( [ -s "$out/python" ] && median <"$out/python" || echo -) | | | | |"
