#!/usr/bin/env bash
# The relay's memory in a burst and after it: a raw 1080p camera at 100 fps, a subscriber that keeps up (latest), then
# one that asks for a lossless queue of 1,024 frames (6.4 GB of this stream) and stops reading (SIGSTOP) until the
# relay cuts it off at its bytes bound. Prints the relay's resident memory before, at the peak and after.
#   scripts/measure-relay-memory.sh [MAX_QUEUED_MIB=128]   (the relay's --max-queued-mib; the total bound is twice it)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
scripts/setup.sh >&2
build_release
mib=${1:-128}
producers=$(free_port); subscribers=$(free_port)
while [ "$subscribers" = "$producers" ]; do subscribers=$(free_port); done
log=$(mktemp)
pids=()
cleanup() { kill -9 "${pids[@]}" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
"$RELAY" --listen "tcp://127.0.0.1:$producers" --serve "tcp://127.0.0.1:$subscribers" --max-queued-mib "$mib" \
  --max-total-queued-mib $((2 * mib)) --quiet 2>"$log" & relay=$!; pids+=("$relay")
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$relay/status"; }
until grep -q "subscribers connect to" "$log"; do sleep 0.1; done
"$RECV" --from "tcp://127.0.0.1:$subscribers" --policy latest --quiet 2>/dev/null & pids+=($!)
"$SEND" --to "tcp://127.0.0.1:$producers" --source synthetic:1920x1080@100 --quiet 2>/dev/null & pids+=($!)
sleep 5
before=$(rss)
"$RECV" --from "tcp://127.0.0.1:$subscribers" --policy lossless --queue 1024 --when-full disconnect --quiet 2>/dev/null & slow=$!; pids+=("$slow")
until grep -q "subscriber 2:" "$log"; do sleep 0.1; done
kill -STOP "$slow"
peak=$before
for _ in $(seq 1 300); do
  now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
  grep -q "subscriber 2 ended" "$log" && break
  sleep 0.1
done
kill -9 "$slow"
for _ in $(seq 1 100); do grep -q "gave memory back" "$log" && break; sleep 0.1; done
sleep 1
after=$(rss)
grep -E "subscriber 2|gave memory back" "$log" | sed 's/^/  /'
echo "relay resident memory, --max-queued-mib $mib: before $before MiB, peak $peak MiB, after $after MiB ($(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a / b }')x before)"
