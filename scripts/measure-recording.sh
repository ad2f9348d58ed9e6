#!/usr/bin/env bash
# Recording and replay, measured in one run (PROTOCOL.md §18): rawframes-recv --record writing unpaced raw 1080p and
# JPEG 1080p streams into a folder on this machine's disk (bytes recorded over the time from the first frame sent to
# the receiver's exit, its file flushed to the disk; what the disk could not take is left out and counted), beside dd
# writing the same number of bytes there in frame-sized blocks with a final fsync; the receiver's CPU per frame; and replay timing: a 60 fps recording sent again at its own pace, the
# p50/p99 deviation of the replayed inter-frame intervals from the recorded ones.
#   scripts/measure-recording.sh [ROUNDS=3] [SECONDS=5] [FOLDER=a scratch folder under /var/tmp]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start "${1:-3}" "${2:-5}"
disk=${3:-$(mktemp -d /var/tmp/rawframes-recording-XXXXXX)}
trap 'rm -rf "$out" "$disk"' EXIT
photo=$(scripts/natural-photo.sh)

# record NAME SENDER-ARGS...: one recording; prints "fps seconds cpu_ms_per_frame bytes recorded dropped".
record() {
  local name=$1; shift
  local endpoint; endpoint="tcp://127.0.0.1:$(free_port)"
  rm -f "$disk/$name".*
  "$RECV" --listen "$endpoint" --once --record "$disk/$name.rfrec" --quiet --json >"$out/$name.json" 2>"$out/$name.err" &
  local receiver=$!
  local started; started=$(date +%s.%N)
  "$SEND" --to "$endpoint" --duration "$seconds" --quiet "$@" >/dev/null 2>"$out/$name.send.err"
  wait "$receiver" || true
  # Until the receiver has exited: its recording written and flushed to the disk (fsync at close), as dd's is.
  local took; took=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  echo "$(field "$out/$name.json" fps) $took $(field "$out/$name.json" cpu_ms_per_frame) $(field "$out/$name.json" record_bytes) $(field "$out/$name.json" recorded) $(field "$out/$name.json" record_dropped)"
}

# dd_mbps BYTES FRAME-BYTES: dd writing as many bytes in frame-sized blocks, fsync at the end, in MB/s.
dd_mbps() {
  local count=$(( ($1 + $2 - 1) / $2 ))
  dd if=/dev/zero of="$disk/dd" bs="$2" count="$count" conv=fsync 2>&1 | awk '/copied/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) last = $i; }
    /copied/ { sub(/.*, /, ""); split($0, a, " "); v = a[1]; u = a[2]; if (u == "GB/s") v *= 1000; if (u == "kB/s") v /= 1000; printf "%.1f", v }'
  rm -f "$disk/dd"
}

echo "Disk: $(df -h "$disk" | awk 'NR == 2 { print $1 " (" $2 ")" }'), folder $disk"
echo
echo "| round | stream | received fps | recorder wrote MB/s | dd MB/s (same bytes, fsync) | recorder / dd | recv CPU ms/frame | recorded | left out (disk too slow) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "$rounds"); do
  for kind in raw jpeg; do
    if [ "$kind" = raw ]; then
      read -r fps secs cpu bytes frames dropped < <(record raw --source synthetic:1920x1080)
      frame_bytes=6220800
    else
      read -r fps secs cpu bytes frames dropped < <(record jpeg --source "image:$photo" --codec jpeg)
      frame_bytes=$(( bytes / (frames > 0 ? frames : 1) ))
    fi
    recorder=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { if (s > 0) printf "%.1f", b / 1e6 / s; else print 0 }')
    ddr=$(dd_mbps "$bytes" "$frame_bytes")
    ratio=$(awk -v a="$recorder" -v b="$ddr" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    echo "$recorder" >>"$out/$kind.rates"; echo "$ddr" >>"$out/$kind.dd"; echo "$ratio" >>"$out/$kind.ratios"; echo "$cpu" >>"$out/$kind.cpu"
    echo "| $round | $kind 1080p | $fps | $recorder | $ddr | $ratio | $cpu | $frames | $dropped |"
  done
done
for kind in raw jpeg; do
  echo "| median | $kind 1080p | | $(median <"$out/$kind.rates") | $(median <"$out/$kind.dd") | $(median <"$out/$kind.ratios") | $(median <"$out/$kind.cpu") | | |"
done

# Replay timing: 120 frames recorded at 60 fps, replayed at their own pace.
record paced --source synthetic:640x480 --fps 60 --frames 120 >/dev/null
endpoint="tcp://127.0.0.1:$(free_port)"
"$RECV" --listen "$endpoint" --once --quiet --json >"$out/replayed.json" 2>/dev/null &
receiver=$!
"$SEND" --to "$endpoint" --source "replay:$disk/paced.rfrec" --quiet --json >"$out/replay.json" 2>/dev/null
wait "$receiver" || true
echo
echo "Replay of 120 frames recorded at 60 fps: $(field "$out/replayed.json" frames) frames received in $(field "$out/replay.json" seconds) s; replayed intervals against recorded ones: p50 $(field "$out/replay.json" replay_interval_error_ms_p50) ms, p99 $(field "$out/replay.json" replay_interval_error_ms_p99) ms off"
