#!/usr/bin/env bash
# Seed 000's question, measured: numpy frames from Python shown in a browser, and what each side costs. 1000x1000
# noise frames at FPS, JPEG q80, shown in Debian's Chromium (headless, software rendering) for SECONDS:
#   seed 000's way: Flask serving MJPEG to an <img> (bench/baselines/flask_mjpeg.py)
#   RawFrames:      the Python client sending to rawframes-recv --http, whose page shows the stream (bench/baselines/numpy_sender.py)
# at two displayed sizes: full (1000 pixels; Flask's /, our /#full) and a 480-pixel thumbnail (Flask's /small, where
# the browser scales the full frames; our page's grid, which asks the receiver for frames at that width), and full size
# drawn on a canvas from the WebSocket (/#full,canvas: createImageBitmap, then drawImage) instead of an MJPEG <img>.
# Chromium's CPU is all its processes' (from /proc, over the same window); the Python side's and rawframes-recv's from
# their own summaries. One run; medians over ROUNDS alternating rounds.
#   scripts/measure-browser.sh [ROUNDS=3] [SECONDS=10] [FPS=15]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start "${1:-3}" "${2:-10}"
fps=${3:-15}
command -v flask >/dev/null 2>&1 || /usr/bin/python3 -c "import flask" 2>/dev/null || apt-get install -y -qq python3-flask >/dev/null
export PYTHONPATH=clients/python
hz=$(getconf CLK_TCK)

# chromium_cpu DIR: CPU ticks of every Chromium process started with this user-data-dir.
chromium_cpu() {
  local total=0 pid
  for pid in $(pgrep -f -- "--user-data-dir=$1" || true); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# watch URL NAME: Chromium on the page for the window; prints Chromium's CPU ms per second of the window.
watch() {
  local dir="$out/chrome-$2"
  chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$dir" --window-size=1100,1100 "$1" >/dev/null 2>&1 &
  local browser=$!
  sleep 2 # the page loads and the stream starts
  local before; before=$(chromium_cpu "$dir")
  sleep "$seconds"
  local after; after=$(chromium_cpu "$dir")
  kill "$browser" 2>/dev/null || true; wait "$browser" 2>/dev/null || true
  pkill -f -- "--user-data-dir=$dir" 2>/dev/null || true
  awk -v a="$after" -v b="$before" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.1f", (a - b) * 1000 / hz / s }'
}

echo "| round | shown | way | Chromium CPU ms per second | Chromium CPU ms per frame | Python side CPU ms per frame | rawframes-recv CPU ms per frame |"
echo "|---:|---|---|---:|---:|---:|---:|"
for round in $(seq 1 "$rounds"); do
 for shown in full 480 "full canvas"; do
  flask_page=/; [ "$shown" = 480 ] && flask_page=/small
  our_page=/#full; [ "$shown" = 480 ] && our_page=/; [ "$shown" = "full canvas" ] && our_page=/#full,canvas
  # Seed 000's Flask MJPEG.
  port=$(free_port)
  /usr/bin/python3 bench/baselines/flask_mjpeg.py "$port" "$fps" >"$out/flask.json" 2>"$out/flask.err" &
  flask=$!
  until grep -q "Running on" "$out/flask.err" 2>/dev/null; do sleep 0.1; done
  chrome=$(watch "http://127.0.0.1:$port$flask_page" flask)
  kill -TERM "$flask"; wait "$flask" 2>/dev/null || true
  frames=$(field "$out/flask.json" frames); cpu=$(field "$out/flask.json" cpu_s)
  per_frame=$(awk -v c="$chrome" -v f="$fps" 'BEGIN { printf "%.2f", c / f }')
  python=$(awk -v c="$cpu" -v n="$frames" 'BEGIN { printf "%.2f", c * 1000 / n }')
  echo "$per_frame" >>"$out/flask-${shown// /-}.rates"
  echo "| $round | $shown | Flask MJPEG (seed 000) | $chrome | $per_frame | $python | - |"

  # RawFrames: the Python client into rawframes-recv --http.
  port=$(free_port); http=$(free_port)
  "$RECV" --listen "tcp://127.0.0.1:$port" --http "127.0.0.1:$http" --once --quiet --json >"$out/recv.json" 2>"$out/recv.err" &
  receiver=$!
  until grep -q "browser view on" "$out/recv.err" 2>/dev/null; do sleep 0.1; done
  /usr/bin/python3 bench/baselines/numpy_sender.py "tcp://127.0.0.1:$port" "$fps" "$((seconds + 4))" >"$out/sender.json" 2>/dev/null &
  sender=$!
  chrome=$(watch "http://127.0.0.1:$http$our_page" rawframes)
  wait "$sender"; wait "$receiver" || true
  frames=$(field "$out/sender.json" frames); cpu=$(field "$out/sender.json" cpu_s)
  per_frame=$(awk -v c="$chrome" -v f="$fps" 'BEGIN { printf "%.2f", c / f }')
  python=$(awk -v c="$cpu" -v n="$frames" 'BEGIN { printf "%.2f", c * 1000 / n }')
  echo "$per_frame" >>"$out/rawframes-${shown// /-}.rates"
  echo "| $round | $shown | Python client -> rawframes-recv --http | $chrome | $per_frame | $python | $(field "$out/recv.json" cpu_ms_per_frame) |"
 done
done
for shown in full 480 full-canvas; do
  flask=$(median <"$out/flask-$shown.rates"); ours=$(median <"$out/rawframes-$shown.rates")
  echo "| median | $shown | Flask MJPEG / RawFrames, Chromium ms per frame | | $flask / $ours ($(awk -v a="$ours" -v b="$flask" 'BEGIN { printf "%.2fx", a / b }')) | | |"
done
