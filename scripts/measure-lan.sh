#!/usr/bin/env bash
# What a user gets between two hosts: rawframes-send and rawframes-recv in two network namespaces joined by a veth
# pair shaped by tc (1 Gbit/s with 1 ms delay and 0.1 % loss where the kernel has netem, else rate alone; and
# 100 Mbit/s), a 1920x1080 natural photo (scripts/natural-photo.sh), each codec for SECONDS. Needs root.
#   scripts/measure-lan.sh [SECONDS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start 1 "${1:-5}"
photo=$(scripts/natural-photo.sh)
recv=$PWD/$RECV
send=$PWD/$SEND

link_up() { # link_up RATE NETEM: namespaces rfla (sender) and rflb (receiver at 10.250.0.2)
  ip netns del rfla 2>/dev/null || true; ip netns del rflb 2>/dev/null || true
  ip netns add rfla; ip netns add rflb
  ip link add vla netns rfla type veth peer name vlb netns rflb
  ip -n rfla addr add 10.250.0.1/24 dev vla; ip -n rflb addr add 10.250.0.2/24 dev vlb
  for end in "rfla vla" "rflb vlb"; do
    set -- $end
    ip -n "$1" link set "$2" up; ip -n "$1" link set lo up
    tc -n "$1" qdisc add dev "$2" root netem $NETEM rate "$RATE" 2>/dev/null \
      || { tc -n "$1" qdisc add dev "$2" root tbf rate "$RATE" burst 512kb latency 50ms; shaped="tbf rate $RATE (no netem in this kernel)"; }
  done
}
trap 'ip netns del rfla 2>/dev/null; ip netns del rflb 2>/dev/null; rm -rf "$out"' EXIT

echo "| link | codec | fps | Mbit/s | bytes/frame | received |"
echo "|---|---|---:|---:|---:|---|"
for link in "1gbit|delay 1ms loss 0.1%" "100mbit|"; do
  RATE=${link%|*}; NETEM=${link#*|}; shaped="netem rate $RATE $NETEM"
  link_up
  for codec in raw jpeg yuv-jpeg png; do
    ip netns exec rflb "$recv" --listen tcp://10.250.0.2:5555 --once --json --quiet >"$out/r.json" 2>"$out/r.err" &
    sleep 0.5
    ip netns exec rfla "$send" --to tcp://10.250.0.2:5555 --source "image:$photo" --codec "$codec" --duration "$seconds" \
      --json --quiet >"$out/s.json" 2>"$out/s.err"
    wait
    frames=$(field "$out/s.json" frames)
    echo "| $shaped | $codec | $(field "$out/s.json" fps) | $(field "$out/s.json" mbps) | $(( $(field "$out/s.json" bytes) / (frames > 0 ? frames : 1) )) | $(field "$out/r.json" frames) of $frames received, $(field "$out/r.json" errors) errors |"
  done
done
