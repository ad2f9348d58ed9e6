#!/usr/bin/env bash
# The same frames through nats-server (Debian's), for the README's note on brokers: one publisher, N subscribers, raw
# 1080p BGR (6,220,800 bytes; max_payload raised to 8 MB) and a 1080p JPEG's size (166 KB), as fast as possible and
# at 30 fps. Beside it, scripts/measure-relay.sh gives rawframes-relay's figures for the same cases.
#   scripts/measure-nats.sh [SECONDS=5] [SUBSCRIBER COUNTS="1 2 4"]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
command -v nats-server >/dev/null || apt-get install -y nats-server >/dev/null
seconds=${1:-5}
counts=${2:-1 2 4}
out=$(mktemp -d)
trap 'rm -rf "$out"; kill "$server" 2>/dev/null || true' EXIT
port=$(free_port)
printf 'port: %s\nmax_payload: 8388608\nmax_pending: 268435456\n' "$port" >"$out/nats.conf"
nats-server -c "$out/nats.conf" >"$out/nats.log" 2>&1 &
server=$!
sleep 0.5

echo "| payload | fps asked | subscribers | published fps | slowest subscriber fps | its latency p50 ms | cut off |"
echo "|---|---:|---:|---:|---:|---:|---|"
for payload in 6220800 166000; do
  for fps in 0 30; do
    for n in $counts; do
      subscribers=()
      for i in $(seq 1 "$n"); do
        python3 bench/baselines/nats_frames.py sub "$port" 3 >"$out/sub$i.json" 2>"$out/sub$i.err" &
        subscribers+=($!)
      done
      for i in $(seq 1 "$n"); do
        until grep -q ready "$out/sub$i.err" 2>/dev/null; do sleep 0.1; done
      done
      published=$(python3 bench/baselines/nats_frames.py pub "$port" "$seconds" "$fps" "$payload" | grep -oE '"fps": [0-9.]+' | cut -d' ' -f2)
      wait "${subscribers[@]}"
      slowest=$(for i in $(seq 1 "$n"); do grep -oE '"fps": [0-9.]+' "$out/sub$i.json" | cut -d' ' -f2; done | sort -g | head -n 1)
      latency=$(grep -h -oE '"latency_ms_p50": [0-9.]+' "$out"/sub*.json | cut -d' ' -f2 | sort -g | tail -n 1)
      cut=$(grep -h -o '"error": "[^"]*"' "$out"/sub*.json | head -n 1 | cut -d'"' -f4 || true)
      echo "| $payload B | $fps | $n | $published | $slowest | $latency | ${cut:-no} |"
      rm -f "$out"/sub*.json "$out"/sub*.err
    done
  done
done
