#!/usr/bin/env bash
# The Python client (clients/python) against the C# programs, raw 1920x1080 BGR, separate processes, no
# verification, alternately in one run: rawframes-send -> rawframes-recv, rawframes-send -> the Python receiver, and
# the Python sender -> rawframes-recv. Prints each round and the medians; the ratio is Python receiver / C# receiver.
#   scripts/measure-python.sh [ROUNDS=5] [SECONDS=5] [ENDPOINT=tcp]    ENDPOINT tcp or unix
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start "$@"
PYTHON=(/usr/bin/python3 -m rawframes)

# pair NAME RECEIVER... -- SENDER...: one timed run; the receiver's JSON summary lands in $out/NAME.json.
pair() {
  local name=$1; shift
  local receiver=() sender=()
  while [ "$1" != -- ]; do receiver+=("$1"); shift; done; shift
  sender=("$@")
  "${receiver[@]}" >"$out/$name.json" 2>"$out/$name.err" &
  local pid=$!
  "${sender[@]}" >/dev/null 2>"$out/$name.send.err"
  wait "$pid"
}

echo "| round | C# recv fps | Python recv fps | ratio | C# recv CPU ms/frame | Python recv CPU ms/frame | Python send -> C# recv fps |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "$rounds"); do
  to=$(measurement_endpoint)
  pair csharp "$RECV" --listen "$to" --once --quiet --json -- "$SEND" --to "$to" --duration "$seconds" --quiet
  to=$(measurement_endpoint)
  pair python env -C clients/python "${PYTHON[@]}" recv --listen "$to" --once --quiet -- \
    "$SEND" --to "$to" --duration "$seconds" --quiet
  to=$(measurement_endpoint)
  pair pysend "$RECV" --listen "$to" --once --quiet --json -- \
    env -C clients/python "${PYTHON[@]}" send --to "$to" --duration "$seconds" --quiet
  cs=$(field "$out/csharp.json" fps); py=$(field "$out/python.json" fps)
  ratio=$(awk -v a="$py" -v b="$cs" 'BEGIN { printf "%.3f", a / b }')
  echo "$cs" >>"$out/cs"; echo "$py" >>"$out/py"; echo "$ratio" >>"$out/ratios"
  field "$out/pysend.json" fps >>"$out/pysend"
  echo "| $round | $cs | $py | $ratio | $(field "$out/csharp.json" cpu_ms_per_frame) | $(field "$out/python.json" cpu_ms_per_frame) | $(field "$out/pysend.json" fps) |"
done
echo "| median | $(median <"$out/cs") | $(median <"$out/py") | $(median <"$out/ratios") | | | $(median <"$out/pysend") |"
