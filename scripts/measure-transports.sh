#!/usr/bin/env bash
# Raw 1920x1080 BGR from rawframes-send to rawframes-recv over TCP loopback, a Unix socket and shared memory
# (PROTOCOL.md §15), alternating in each round so that all three see the same machine. Prints each round, then the
# medians: frames/s, the ratio to TCP in the same round, receiver latency p50, and CPU per frame on each side. The
# plain Python socket pair (bench/baselines/python_socket.py) runs over TCP and the Unix socket in the same rounds:
# what the kernel itself gives, without RawFrames.
#   scripts/measure-transports.sh [ROUNDS=5] [SECONDS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
measurement_start "$@"

echo "| round | transport | fps | vs TCP | latency p50 ms | CPU ms/frame send | CPU ms/frame recv |"
echo "|---|---|---:|---:|---:|---:|---:|"
python_pair() { # python_pair ADDRESS: frames/s of the plain Python pair
  python3 bench/baselines/python_socket.py recv "$1" "$seconds" >"$out/py.json" &
  python3 bench/baselines/python_socket.py send "$1" "$seconds"
  wait $!
  grep -oE '"fps": [0-9.]+' "$out/py.json" | cut -d' ' -f2 | xargs printf '%.1f'
}
for round in $(seq 1 "$rounds"); do
  for transport in tcp unix shm; do
    socket="$out/rf.sock"
    case $transport in
      tcp) listen="tcp://127.0.0.1:$(free_port)"; to=$listen ;;
      unix) listen="unix://$socket"; to=$listen ;;
      shm) listen="unix://$socket"; to="shm://$socket" ;;
    esac
    "$RECV" --listen "$listen" --once --quiet --json >"$out/recv.json" 2>"$out/recv.err" &
    receiver=$!
    "$SEND" --to "$to" --duration "$seconds" --quiet --json >"$out/send.json" 2>"$out/send.err"
    wait "$receiver"
    fps=$(field "$out/recv.json" fps)
    [ "$transport" = tcp ] && tcp_fps=$fps
    ratio=$(awk -v a="$fps" -v b="$tcp_fps" 'BEGIN { printf "%.2f", a / b }')
    echo "$fps" >>"$out/fps.$transport"; echo "$ratio" >>"$out/ratio.$transport"
    field "$out/recv.json" latency_ms_p50 >>"$out/latency.$transport"
    echo "| $round | $transport | $fps | $ratio | $(field "$out/recv.json" latency_ms_p50) | $(field "$out/send.json" cpu_ms_per_frame) | $(field "$out/recv.json" cpu_ms_per_frame) |"
  done
  py_tcp=$(python_pair "$(free_port)"); py_unix=$(python_pair "$out/py.sock")
  py_ratio=$(awk -v a="$py_unix" -v b="$py_tcp" 'BEGIN { printf "%.2f", a / b }')
  echo "$py_tcp" >>"$out/fps.python-tcp"; echo "$py_unix" >>"$out/fps.python-unix"; echo "$py_ratio" >>"$out/ratio.python-unix"
  echo "| $round | Python tcp / unix | $py_tcp / $py_unix | $py_ratio | | | |"
done
for transport in tcp unix shm; do
  echo "| median | $transport | $(median <"$out/fps.$transport") | $(median <"$out/ratio.$transport") | $(median <"$out/latency.$transport") | | |"
done
echo "| median | Python tcp / unix | $(median <"$out/fps.python-tcp") / $(median <"$out/fps.python-unix") | $(median <"$out/ratio.python-unix") | | | |"
