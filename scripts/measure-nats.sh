#!/usr/bin/env bash
# RawFrames past one machine, measured in one run (PROTOCOL.md §19): rawframes-send -> rawframes-recv directly over
# TCP, through one nats-server, and through a cluster of three (publisher on node 1, subscriber on node 2); JPEG 1080p
# (the photo at q80) and raw 720p; fps, CPU per frame of each process including the nats-servers (from /proc), latency
# p50/p99 (one host: one clock). Then fan-out of JPEG 1080p to 1, 4 and 8 subscribers: one nats-server against
# rawframes-relay. Every sender runs unpaced for SECONDS. Last, ROUNDS alternating rounds of JPEG 1080p direct and through
# one nats-server, for the ratio's median. "one nats-server, GOGC=400" is the same server configuration with Go's
# garbage collector run a quarter as often (the README's advice for brokers carrying frames: 200 KB messages make most
# of its CPU garbage collection).
#   scripts/measure-nats.sh [SECONDS=10] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start "${2:-3}" "${1:-10}"
photo=$(scripts/natural-photo.sh)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$out"' EXIT

# nats_server NAME [ROUTES...]: a server with max_payload 8 MB (raw 720p frames are 2.8 MB), Go's GC as $GOGC says
# (default 100); prints "PID PORT".
nats_server() {
  local name=$1 port cluster; shift
  port=$(free_port); cluster=${NATS_CLUSTER_PORT:-$(free_port)}
  { echo "listen: 127.0.0.1:$port"; echo "max_payload: 8388608"; echo "max_pending: 268435456"
    if [ $# -gt 0 ]; then echo "cluster { name: rf, listen: 127.0.0.1:$cluster, routes: [$(printf 'nats-route://127.0.0.1:%s,' "$@" | sed 's/,$//')] }"; fi
  } >"$out/$name.conf"
  nats-server -c "$out/$name.conf" >"$out/$name.log" 2>&1 &
  echo "$! $port"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks=$(getconf CLK_TCK)

read -r one one_port < <(nats_server one); pids+=("$one")
read -r tuned tuned_port < <(GOGC=400 nats_server tuned); pids+=("$tuned")
c1=$(free_port); c2=$(free_port); c3=$(free_port)
read -r n1 n1_port < <(NATS_CLUSTER_PORT=$c1 nats_server n1 "$c2" "$c3"); pids+=("$n1")
read -r n2 n2_port < <(NATS_CLUSTER_PORT=$c2 nats_server n2 "$c1" "$c3"); pids+=("$n2")
read -r n3 n3_port < <(NATS_CLUSTER_PORT=$c3 nats_server n3 "$c1" "$c2"); pids+=("$n3")
sleep 1
until grep -q "Server is ready" "$out/one.log"; do sleep 0.1; done

# run PATH CONTENT SERVER-PIDS...: one measured run; prints a table row.
run() {
  local path=$1 content=$2; shift 2
  local source=(--source synthetic:1280x720) to from extra=()
  [ "$content" = "JPEG 1080p" ] && source=(--source "image:$photo" --codec jpeg)
  case "$path" in
    direct) local port; port=$(free_port); to="tcp://127.0.0.1:$port"; from=(--listen "$to") ;;
    "one nats-server") to="nats://127.0.0.1:$one_port/bench.cam"; from=(--from "$to" --clock-synced) ;;
    "one nats-server, GOGC=400") to="nats://127.0.0.1:$tuned_port/bench.cam"; from=(--from "$to" --clock-synced) ;;
    "3-node cluster") to="nats://127.0.0.1:$n1_port/bench.cam"; from=(--from "nats://127.0.0.1:$n2_port/bench.cam" --clock-synced) ;;
  esac
  "$RECV" "${from[@]}" --once --quiet --json >"$out/recv.json" 2>"$out/recv.err" &
  local receiver=$!
  until grep -qE "subscribed to|listening on" "$out/recv.err" 2>/dev/null; do sleep 0.05; done
  [ "$path" = "3-node cluster" ] && sleep 0.5  # the subscription reaches node 1 over the routes
  local before=() pid
  for pid in "$@"; do before+=("$(cpu_ticks "$pid")"); done
  "$SEND" --to "$to" "${source[@]}" --duration "$seconds" --quiet --json >"$out/send.json" 2>"$out/send.err"
  wait "$receiver" || true
  local frames; frames=$(field "$out/recv.json" frames)
  local broker=0 i=0
  for pid in "$@"; do broker=$((broker + $(cpu_ticks "$pid") - before[i])); i=$((i + 1)); done
  local broker_ms; broker_ms=$(awk -v t="$broker" -v hz="$ticks" -v f="$frames" 'BEGIN { if (f > 0) printf "%.3f", t * 1000 / hz / f; else print "-" }')
  echo "| $content | $path | $(field "$out/recv.json" fps) | $(field "$out/send.json" cpu_ms_per_frame) | $(field "$out/recv.json" cpu_ms_per_frame) | $([ $# -gt 0 ] && echo "$broker_ms" || echo -) | $(field "$out/recv.json" latency_ms_p50) | $(field "$out/recv.json" latency_ms_p99) | $(field "$out/recv.json" gaps) |"
  echo "$content|$path|$(field "$out/recv.json" fps)" >>"$out/rates"
}

echo "| content | path | fps (received) | sender CPU ms/frame | receiver CPU ms/frame | nats-server(s) CPU ms/frame | latency p50 ms | latency p99 ms | gaps |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for content in "JPEG 1080p" "raw 720p"; do
  run direct "$content"
  run "one nats-server" "$content" "$one"
  run "one nats-server, GOGC=400" "$content" "$tuned"
  run "3-node cluster" "$content" "$n1" "$n2" "$n3"
done
direct=$(awk -F'|' '$1 == "JPEG 1080p" && $2 == "direct" { print $3 }' "$out/rates")
nats=$(awk -F'|' '$1 == "JPEG 1080p" && $2 == "one nats-server" { print $3 }' "$out/rates")
gogc=$(awk -F'|' '$1 == "JPEG 1080p" && $2 == "one nats-server, GOGC=400" { print $3 }' "$out/rates")
echo
rss_mb() { echo $(( $(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status") / 1024 )); }
echo "nats-server resident memory after these runs: $(rss_mb "$one") MB with Go's default GC, $(rss_mb "$tuned") MB with GOGC=400."
echo "JPEG 1080p through one nats-server: $(awk -v a="$nats" -v b="$direct" 'BEGIN { printf "%.2f", a / b }')x the direct link's fps in this run (goal 0.8x); with GOGC=400: $(awk -v a="$gogc" -v b="$direct" 'BEGIN { printf "%.2f", a / b }')x."

# Fan-out: JPEG 1080p to N subscribers, through one nats-server and through rawframes-relay; the slowest subscriber's fps.
echo
echo "| subscribers | through | slowest subscriber fps | broker/relay CPU ms per frame published |"
echo "|---:|---|---:|---:|"
for n in 1 4 8; do
  for through in nats relay; do
    subscribers=()
    if [ "$through" = nats ]; then
      to="nats://127.0.0.1:$one_port/fan.cam"; broker=$one
      for i in $(seq 1 "$n"); do "$RECV" --from "$to" --once --quiet --json >"$out/sub$i.json" 2>"$out/sub$i.err" & subscribers+=($!); done
    else
      producers="tcp://127.0.0.1:$(free_port)"; serve="tcp://127.0.0.1:$(free_port)"
      "$RELAY" --listen "$producers" --serve "$serve" --once --quiet --json >"$out/relay.json" 2>"$out/relay.err" &
      broker=$!; to=$producers
      until grep -q "subscribers connect to" "$out/relay.err" 2>/dev/null; do sleep 0.05; done
      for i in $(seq 1 "$n"); do "$RECV" --from "$serve" --once --quiet --json >"$out/sub$i.json" 2>"$out/sub$i.err" & subscribers+=($!); done
    fi
    for i in $(seq 1 "$n"); do until grep -qE "subscribed to" "$out/sub$i.err" 2>/dev/null; do sleep 0.05; done; done
    sleep 0.3
    before=$(cpu_ticks "$broker")
    "$SEND" --to "$to" --source "image:$photo" --codec jpeg --duration "$seconds" --quiet --json >"$out/send.json" 2>/dev/null
    used=$(( $(cpu_ticks "$broker") - before ))
    if [ "$through" = relay ]; then wait "$broker" || true; fi
    wait "${subscribers[@]}" 2>/dev/null || true
    slowest=$(for i in $(seq 1 "$n"); do field "$out/sub$i.json" fps; done | sort -g | head -n 1)
    echo "| $n | $([ "$through" = nats ] && echo "one nats-server" || echo "rawframes-relay") | $slowest | $(awk -v t="$used" -v hz="$ticks" -v f="$(field "$out/send.json" frames)" 'BEGIN { printf "%.3f", t * 1000 / hz / f }') |"
    rm -f "$out"/sub*.json "$out"/sub*.err
  done
done

echo
echo "| round | JPEG 1080p direct fps | through one nats-server fps | ratio | with GOGC=400 fps | ratio |"
echo "|---:|---:|---:|---:|---:|---:|"
: >"$out/rates"
for round in $(seq 1 "$rounds"); do
  run direct "JPEG 1080p" >/dev/null
  run "one nats-server" "JPEG 1080p" "$one" >/dev/null
  run "one nats-server, GOGC=400" "JPEG 1080p" "$tuned" >/dev/null
  d=$(awk -F'|' '$2 == "direct" { v = $3 } END { print v }' "$out/rates")
  n=$(awk -F'|' '$2 == "one nats-server" { v = $3 } END { print v }' "$out/rates")
  t=$(awk -F'|' '$2 == "one nats-server, GOGC=400" { v = $3 } END { print v }' "$out/rates")
  ratio=$(awk -v a="$n" -v b="$d" 'BEGIN { printf "%.3f", a / b }')
  tuned_ratio=$(awk -v a="$t" -v b="$d" 'BEGIN { printf "%.3f", a / b }')
  echo "$ratio" >>"$out/ratios"
  echo "$tuned_ratio" >>"$out/tuned-ratios"
  echo "| $round | $d | $n | $ratio | $t | $tuned_ratio |"
done
echo "| median | | | $(median <"$out/ratios") | | $(median <"$out/tuned-ratios") |"
