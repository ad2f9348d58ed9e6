#!/usr/bin/env bash
# What one rawframes-relay can fan out on this machine: rawframes-send (unpaced, lossless) → relay → N subscribers
# (rawframes-recv --from, lossless with the relay's default queue, switching to latest when they fall behind), for
# N subscribers over TCP and over shared memory, and 1080p JPEG made once by the relay for N JPEG subscribers.
# FPS 0 sends as fast as the machine allows (what the relay moves at most); FPS 30 is a camera (how many subscribers
# it serves without a drop). Prints, per case: frames/s into the relay, the slowest subscriber's frames/s and the most
# frames any subscriber dropped, and the relay's CPU (per frame, and as a share of one core).
#   [CASES="raw tcp,raw shm,jpeg tcp"] scripts/measure-relay.sh [SECONDS=5] [FPS=0] [SUBSCRIBER COUNTS="1 2 4"]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start 1 "${1:-5}"
fps=${2:-0}
counts=${3:-1 2 4}
RELAY=src/Relay/bin/Release/net10.0/rawframes-relay

echo "| case | subscribers | into relay fps | slowest subscriber fps | most drops | worst latency p50 ms | relay CPU ms/frame | relay CPU % of a core |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
IFS=, read -ra cases <<<"${CASES:-raw tcp,raw shm,jpeg tcp}" # e.g. CASES="raw tcp" for one
for case in "${cases[@]}"; do
  set -- $case
  codec=$1 transport=$2
  for n in $counts; do
    producers="tcp://127.0.0.1:$(free_port)"
    serve="tcp://127.0.0.1:$(free_port)"
    from=$serve
    if [ "$transport" = shm ]; then serve="unix://$out/relay.sock"; from="shm://$out/relay.sock"; fi
    "$RELAY" --listen "$producers" --serve "$serve" --once --json --quiet >"$out/relay.json" 2>"$out/relay.err" &
    relay=$!
    sleep 0.5
    want=(); [ "$codec" = jpeg ] && want=(--want jpeg)
    subscribers=()
    for i in $(seq 1 "$n"); do
      "$RECV" --from "$from" "${want[@]}" --json --quiet >"$out/sub$i.json" 2>"$out/sub$i.err" &
      subscribers+=($!)
    done
    sleep 0.5
    "$SEND" --to "$producers" --source "synthetic:1920x1080@$fps" --duration "$seconds" --quiet --json >"$out/send.json" 2>"$out/send.err"
    wait "$relay" "${subscribers[@]}"
    slowest=$(for i in $(seq 1 "$n"); do field "$out/sub$i.json" fps; done | sort -g | head -n 1)
    drops=$(grep -oE '"dropped":[0-9]+' "$out/relay.json" | cut -d: -f2 | sort -g | tail -n 1)
    into=$(field "$out/relay.json" fps); cpu=$(field "$out/relay.json" cpu_ms_per_frame)
    share=$(awk -v f="$into" -v c="$cpu" 'BEGIN { printf "%.0f", f * c / 10 }')
    latency=$(for i in $(seq 1 "$n"); do field "$out/sub$i.json" latency_ms_p50; done | sort -g | tail -n 1)
    echo "| $codec over $transport | $n | $into | $slowest | ${drops:-0} | $latency | $cpu | $share |"
  done
done
