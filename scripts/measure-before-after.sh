#!/usr/bin/env bash
# The hot-path guard: this tree against an earlier commit, alternating in every round so that both see the same
# machine: raw 1920x1080 and 1000x1000 BGR over TCP, a Unix socket and shared memory, JPEG 1080p end to end (encoded
# by the sender, decoded to BGR by the receiver), rawframes-recv --model 640x640 on JPEG 1080p, and the relay's
# fan-out to two raw TCP subscribers. The plain Python socket pair (bench/baselines/python_socket.py: sendall,
# recv_into one preallocated buffer) runs at both raw sizes in the same rounds. Receiver CPU is per frame over the
# streaming part (first frame to last) for every receiver. Prints each round, the medians, then every case whose
# median is more than 10 % worse (fewer frames per second, or more CPU per frame) with its rounds, so a person can
# tell a slip from noise. Ratios, never absolute times; it informs, and always exits 0 once measured.
#   scripts/measure-before-after.sh REV [ROUNDS=3] [SECONDS=4]     e.g. before a change to a hot path: REV=HEAD
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
rev=${1:?usage: scripts/measure-before-after.sh REV [ROUNDS] [SECONDS]}
measurement_start "${2:-3}" "${3:-4}"
git worktree add --detach "$out/before" "$rev" >/dev/null 2>&1
trap 'git worktree remove --force "$out/before" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
(cd "$out/before" && dotnet build RawFrames.sln -c Release --nologo -v q -clp:ErrorsOnly >&2)
bin() { # bin BUILD PROGRAM: the program of build "after" (this tree) or "before" (REV)
  local root=.; [ "$1" = before ] && root=$out/before
  case $2 in send) echo "$root/$SEND";; recv) echo "$root/$RECV";; relay) echo "$root/src/Relay/bin/Release/net10.0/rawframes-relay";; esac
}

# run_pair BUILD CASE: one timed sender -> receiver run; prints "fps recv_cpu send_cpu"
run_pair() {
  local build=$1 case=$2 listen to source=synthetic:1920x1080 codec=() decode=()
  listen="tcp://127.0.0.1:$(free_port)"; to=$listen
  case $case in
    unix) listen="unix://$out/rf.sock"; to=$listen;;
    shm) listen="unix://$out/rf.sock"; to="shm://$out/rf.sock";;
    tcp1000) source=synthetic:1000x1000;;
    unix1000) listen="unix://$out/rf.sock"; to=$listen; source=synthetic:1000x1000;;
    shm1000) listen="unix://$out/rf.sock"; to="shm://$out/rf.sock"; source=synthetic:1000x1000;;
    jpeg) codec=(--codec jpeg); decode=(--decode bgr);;
    model) codec=(--codec jpeg); decode=(--model 640x640);;
  esac
  "$(bin "$build" recv)" --listen "$listen" "${decode[@]}" --once --quiet --json >"$out/recv.json" 2>"$out/recv.err" &
  local receiver=$!
  "$(bin "$build" send)" --to "$to" --source "$source" "${codec[@]}" --duration "$seconds" --quiet --json >"$out/send.json" 2>"$out/send.err"
  wait "$receiver"
  echo "$(field "$out/recv.json" fps) $(field "$out/recv.json" cpu_ms_per_frame) $(field "$out/send.json" cpu_ms_per_frame)"
}

# run_relay BUILD: sender -> relay -> 2 raw TCP subscribers; prints "slowest_subscriber_fps relay_cpu into_fps"
run_relay() {
  local build=$1 producers="tcp://127.0.0.1:$(free_port)" serve="tcp://127.0.0.1:$(free_port)"
  "$(bin "$build" relay)" --listen "$producers" --serve "$serve" --once --json --quiet >"$out/relay.json" 2>"$out/relay.err" &
  local relay=$! subscribers=()
  sleep 0.5
  for i in 1 2; do
    "$(bin "$build" recv)" --from "$serve" --json --quiet >"$out/sub$i.json" 2>"$out/sub$i.err" &
    subscribers+=($!)
  done
  sleep 0.5
  "$(bin "$build" send)" --to "$producers" --source synthetic:1920x1080 --duration "$seconds" --quiet --json >/dev/null 2>"$out/send.err"
  wait "$relay" "${subscribers[@]}"
  local slowest; slowest=$(for i in 1 2; do field "$out/sub$i.json" fps; done | sort -g | head -n 1)
  echo "$slowest $(field "$out/relay.json" cpu_ms_per_frame) $(field "$out/relay.json" fps)"
}

# run_python WIDTH HEIGHT: the plain Python pair over TCP; prints "fps recv_cpu"
run_python() {
  local port; port=$(free_port)
  python3 bench/baselines/python_socket.py recv "$port" "$seconds" >"$out/py.json" &
  local receiver=$!
  python3 bench/baselines/python_socket.py send "$port" "$seconds" "$1" "$2"
  wait "$receiver"
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("%.1f %.3f" % (d["fps"], d["cpu_ms_per_frame"]))' "$out/py.json"
}

echo "| round | case | build | fps | receiver CPU ms/frame | sender (relay) CPU ms/frame |"
echo "|---|---|---|---:|---:|---:|"
for round in $(seq 1 "$rounds"); do
  for case in tcp unix shm tcp1000 unix1000 shm1000 jpeg model; do
    for build in before after; do
      read -r fps recv_cpu send_cpu < <(run_pair "$build" "$case")
      echo "| $round | $case | $build | $fps | $recv_cpu | $send_cpu |" | tee -a "$out/rows"
    done
  done
  for build in before after; do
    read -r fps relay_cpu _ < <(run_relay "$build")
    echo "| $round | relay to 2 | $build | $fps | - | $relay_cpu |" | tee -a "$out/rows"
  done
  for size in "1920 1080" "1000 1000"; do
    read -r fps recv_cpu < <(run_python $size)
    name=python1080; [ "$size" = "1000 1000" ] && name=python1000
    echo "| $round | $name | Python pair | $fps | $recv_cpu | - |" | tee -a "$out/rows"
  done
done

echo
echo "Medians over $rounds rounds:"
echo "| case | build | fps | receiver CPU ms/frame | sender (relay) CPU ms/frame |"
echo "|---|---|---:|---:|---:|"
for case in tcp unix shm tcp1000 unix1000 shm1000 jpeg model "relay to 2" python1080 python1000; do
  for build in before after "Python pair"; do
    rows=$(grep -F "| $case | $build |" "$out/rows" || true)
    [ -z "$rows" ] && continue
    col() {
      local values; values=$(awk -F'|' -v c="$1" '{ gsub(/ /, "", $c); if ($c != "-") print $c }' <<<"$rows")
      if [ -n "$values" ]; then median <<<"$values"; else echo -; fi
    }
    echo "| $case | $build | $(col 5) | $(col 6) | $(col 7) |" | tee -a "$out/medians"
  done
done

# The guard: after against before, per case and column; fps lower or CPU higher by more than 10 % is flagged.
echo
slips=0
for case in tcp unix shm tcp1000 unix1000 shm1000 jpeg model "relay to 2"; do
  before=$(grep -F "| $case | before |" "$out/medians" || true)
  after=$(grep -F "| $case | after |" "$out/medians" || true)
  [ -z "$before" ] || [ -z "$after" ] && continue
  verdict=$(awk -F'|' -v b="$before" 'BEGIN { split(b, was, "|") }
    { names[4] = "fps"; names[5] = "receiver CPU"; names[6] = "sender (relay) CPU"
      for (c = 4; c <= 6; c++) {
        x = was[c]; y = $c; gsub(/ /, "", x); gsub(/ /, "", y)
        if (x == "-" || y == "-" || x == 0) continue
        r = y / x
        if ((c == 4 && r < 0.9) || (c > 4 && r > 1.1)) printf "%s %.2fx; ", names[c], r
      } }' <<<"$after")
  if [ -n "$verdict" ]; then
    slips=$((slips + 1))
    echo "SLOWER: $case: ${verdict%; } (after/before). Its rounds:"
    grep -F "| $case | " "$out/rows" | sed 's/^/  /'
  fi
done
if [ "$slips" -eq 0 ]; then
  echo "guard: no case is more than 10 % worse than $rev"
else
  echo "guard: $slips case(s) more than 10 % worse than $rev: run again with more rounds to tell a slip from noise"
fi
