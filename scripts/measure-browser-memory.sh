#!/usr/bin/env bash
# A live page kept open: Debian's Chromium (headless) watching rawframes-recv --http's page while rawframes-send
# streams the 1080p photo as JPEG at 30 fps, for MINUTES; the resident memory (RSS) of all Chromium's processes and
# of the receiver, sampled every minute. Memory that grows with time is a leak (cf. µStreamer #30: 2.5 GB).
#   scripts/measure-browser-memory.sh [MINUTES=10] [SHOWN=full|thumbnail]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start 1 1
minutes=${1:-10}
page=/#full; [ "${2:-full}" = thumbnail ] && page=/
photo=$(scripts/natural-photo.sh)

rss_kb() { local total=0 pid; for pid in "$@"; do total=$((total + $(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0))); done; echo "$total"; }

port=$(free_port); http=$(free_port)
"$RECV" --listen "tcp://127.0.0.1:$port" --http "127.0.0.1:$http" --quiet --json >"$out/recv.json" 2>"$out/recv.err" &
receiver=$!
until grep -q "browser view on" "$out/recv.err" 2>/dev/null; do sleep 0.1; done
"$SEND" --to "tcp://127.0.0.1:$port" --source "image:$photo@30" --codec jpeg --duration $((minutes * 60 + 30)) --quiet >/dev/null 2>&1 &
sender=$!
chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$out/chrome" --window-size=1920,1200 "http://127.0.0.1:$http$page" >/dev/null 2>&1 &
browser=$!
trap 'kill "$browser" "$sender" "$receiver" 2>/dev/null || true; rm -rf "$out"' EXIT

echo "| minute | Chromium RSS MB (all processes) | rawframes-recv RSS MB | frames sent to the page |"
echo "|---:|---:|---:|---:|"
for minute in $(seq 0 "$minutes"); do
  [ "$minute" -gt 0 ] && sleep 60 || sleep 10
  chrome_kb=$(rss_kb $(pgrep -f -- "--user-data-dir=$out/chrome" || true))
  recv_kb=$(rss_kb "$receiver")
  sent=$(curl -s "http://127.0.0.1:$http/state" | grep -oE '"viewers":\[\{[^]]*"frames":[0-9]+' | grep -oE '[0-9]+$' | head -n 1)
  echo "| $minute | $((chrome_kb / 1024)) | $((recv_kb / 1024)) | ${sent:-0} |"
done
