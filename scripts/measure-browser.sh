#!/usr/bin/env bash
# The question Python users ask, measured: numpy frames from Python shown in a browser, and what each way costs. 1000x1000
# noise frames at FPS, shown in Debian's Chromium (headless, software rendering) for SECONDS, one way at a time:
#   the usual way:   Flask serving MJPEG to an <img> (bench/baselines/flask_mjpeg.py), each frame cv2.imencode'd as
#                   JPEG q80, PNG or BMP (the usual table), at full size, and the JPEG one in a 480-pixel <img>
#   RawFrames:      the Python client sending JPEG q80 to rawframes-recv --http (bench/baselines/numpy_sender.py),
#                   whose page shows the stream: MJPEG in an <img> (/#full,img; /#img for the grid's 480-pixel
#                   thumbnail, frames scaled by the receiver), and drawn on a canvas from /frames/ID (PROTOCOL.md FRAME
#                   messages) by a worker on an OffscreenCanvas (/#full,canvas and /#canvas: the page's default) or on
#                   the page's own thread (/#full,canvas,main: its fallback), and as raw J420 planes drawn with WebGL by a worker
#                   (/#full,yuv: the receiver decodes the JPEG, the browser converts YUV to RGB in a shader), and as
#                   BGRA32 pixels put on a 2d canvas by a worker (/#full,bgra: the receiver decodes, the browser swaps
#                   B and R in place and calls putImageData); full size and as a 480-pixel thumbnail.
# Chromium's CPU is all its processes' (from /proc, over the window); frames painted and capture-to-paint latency
# (from each frame's timestamp, one host: one clock) are what the canvas pages report to the receiver (/state), over
# the same window; an <img> cannot say which frames it painted ("-"). The Python side's and rawframes-recv's CPU come
# from their own summaries. One run; medians over ROUNDS alternating rounds.
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

# painted STATE_URL: "FRAMES LATENCY_P50" the page last reported for stream 0, or "- -".
painted() {
  { curl -s "$1" || true; } | /usr/bin/python3 -c '
import json, sys
try:
    viewers = [v for s in json.load(sys.stdin)["streams"] for v in s["viewers"] if v.get("painted")]
except ValueError:
    viewers = []  # the receiver has gone
p = viewers[0]["painted"] if viewers else None
print(str(p["painted"]) + " " + str(p["latency_ms_p50"]) if p else "- -")'
}

# watch URL NAME [STATE_URL]: Chromium on the page for the window; sets chrome (CPU ms per second of the window),
# and from STATE_URL painted_fps and paint_ms (capture to paint, p50).
watch() {
  local dir="$out/chrome-$2" state=${3:-}
  chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$dir" --window-size=1100,1100 "$1" >/dev/null 2>&1 &
  local browser=$!
  sleep 3 # the page loads and the stream starts
  local first=(- -)
  if [ -n "$state" ]; then # a canvas page: from its first report on (once a second; bounded)
    for _ in $(seq 1 40); do read -r -a first < <(painted "$state"); [ "${first[0]}" != - ] && break; sleep 0.25; done
  fi
  local before; before=$(chromium_cpu "$dir")
  sleep "$seconds"
  local after; after=$(chromium_cpu "$dir")
  local last=(- -); [ -n "$state" ] && read -r -a last < <(painted "$state")
  kill "$browser" 2>/dev/null || true; wait "$browser" 2>/dev/null || true
  pkill -f -- "--user-data-dir=$dir" 2>/dev/null || true
  chrome=$(awk -v a="$after" -v b="$before" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.1f", (a - b) * 1000 / hz / s }')
  if [ "${first[0]}" != - ] && [ "${last[0]}" != - ]; then
    painted_fps=$(awk -v a="${last[0]}" -v b="${first[0]}" -v s="$seconds" 'BEGIN { printf "%.1f", (a - b) / s }')
    paint_ms=${last[1]}
  else
    painted_fps=-; paint_ms=-
  fi
}

# row ROUND WAY SHOWN CHROME_MS_PER_S PYTHON_MS RECV_MS: a table line, and the per-frame figure kept for the medians.
row() {
  local per_frame; per_frame=$(awk -v c="$4" -v f="$fps" 'BEGIN { printf "%.2f", c / f }')
  echo "$per_frame" >>"$out/${2// /-}-${3// /-}.rates"
  echo "| $1 | $2 | $3 | $4 | $per_frame | $painted_fps | $paint_ms | $5 | $6 |"
}

run_flask() { # run_flask ROUND ENCODING PAGE SHOWN
  local port; port=$(free_port)
  /usr/bin/python3 bench/baselines/flask_mjpeg.py "$port" "$fps" "$2" >"$out/flask.json" 2>"$out/flask.err" &
  local server=$!
  until grep -q "Running on" "$out/flask.err" 2>/dev/null; do sleep 0.1; done
  watch "http://127.0.0.1:$port$3" flask
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  local python; python=$(awk -v c="$(field "$out/flask.json" cpu_s)" -v n="$(field "$out/flask.json" frames)" 'BEGIN { printf "%.2f", c * 1000 / n }')
  row "$1" "Flask MJPEG $2 (cv2.imencode)" "$4" "$chrome" "$python" -
}

run_ours() { # run_ours ROUND WAY PAGE SHOWN (a canvas page reports what it painted)
  local port http; port=$(free_port); http=$(free_port)
  "$RECV" --listen "tcp://127.0.0.1:$port" --http "127.0.0.1:$http" --once --quiet --json >"$out/recv.json" 2>"$out/recv.err" &
  local receiver=$!
  until grep -q "browser view on" "$out/recv.err" 2>/dev/null; do sleep 0.1; done
  /usr/bin/python3 bench/baselines/numpy_sender.py "tcp://127.0.0.1:$port" "$fps" "$((seconds + 15))" >"$out/sender.json" 2>/dev/null &
  local sender=$!
  local state=""; [[ "$3" == *canvas* || "$3" == *yuv* || "$3" == *bgra* ]] && state="http://127.0.0.1:$http/state"
  watch "http://127.0.0.1:$http$3" rawframes "$state"
  wait "$sender"; wait "$receiver" || true
  local python; python=$(awk -v c="$(field "$out/sender.json" cpu_s)" -v n="$(field "$out/sender.json" frames)" 'BEGIN { printf "%.2f", c * 1000 / n }')
  row "$1" "$2" "$4" "$chrome" "$python" "$(field "$out/recv.json" cpu_ms_per_frame)"
}

echo "| round | way | shown | Chromium CPU ms per second | Chromium CPU ms per frame | frames painted per second | capture to paint p50 ms | Python side CPU ms per frame | rawframes-recv CPU ms per frame |"
echo "|---:|---|---|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "$rounds"); do
  run_flask "$round" jpg / "full"
  run_flask "$round" png / "full"
  run_flask "$round" bmp / "full"
  run_flask "$round" jpg /small "480 px"
  run_ours "$round" "RawFrames MJPEG <img>" "/#full,img" "full"
  run_ours "$round" "RawFrames canvas, worker" "/#full,canvas" "full"
  run_ours "$round" "RawFrames canvas, page thread" "/#full,canvas,main" "full"
  run_ours "$round" "RawFrames YUV with WebGL, worker" "/#full,yuv" "full"
  run_ours "$round" "RawFrames BGRA pixels, worker" "/#full,bgra" "full"
  run_ours "$round" "RawFrames MJPEG <img>" "/#img" "480 px"
  run_ours "$round" "RawFrames canvas, worker" "/#canvas" "480 px"
  run_ours "$round" "RawFrames YUV with WebGL, worker" "/#yuv" "480 px"
  run_ours "$round" "RawFrames BGRA pixels, worker" "/#bgra" "480 px"
done
echo
echo "| shown | way | Chromium CPU ms per frame, median | against Flask MJPEG jpg at that size |"
echo "|---|---|---:|---:|"
for shown in full 480-px; do
  flask=$(median <"$out/Flask-MJPEG-jpg-(cv2.imencode)-$shown.rates")
  for rates in "$out"/*-"$shown".rates; do
    way=$(basename "$rates" "-$shown.rates"); ours=$(median <"$rates")
    echo "| ${shown//-/ } | ${way//-/ } | $ours | $(awk -v a="$ours" -v b="$flask" 'BEGIN { printf "%.2fx", a / b }') |"
  done
done
