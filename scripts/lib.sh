# Helpers shared by demo.sh and measure-raw.sh (sourced, not run).

RECV=src/Receiver/bin/Release/net10.0/rawframes-recv
SEND=src/Sender/bin/Release/net10.0/rawframes-send
RELAY=src/Relay/bin/Release/net10.0/rawframes-relay

build_release() {
  dotnet build RawFrames.sln -c Release --nologo -v q -clp:ErrorsOnly >&2
}

# field FILE KEY: a top-level scalar from a one-line JSON summary (top-level keys come before nested ones).
field() {
  grep -oE "\"$2\":(\"[^\"]*\"|[^,}]*)" "$1" | head -n 1 | cut -d: -f2- | tr -d '"'
}

# iperf3_gbps SECONDS: single-stream loopback throughput with 1 MiB writes, in GB/s; empty when iperf3 is missing.
iperf3_gbps() {
  command -v iperf3 >/dev/null 2>&1 || return 0
  local port=$((20000 + RANDOM % 20000))
  iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
  local server=$!
  sleep 0.5
  iperf3 -c 127.0.0.1 -p "$port" -l 1M -t "$1" 2>/dev/null | awk '/receiver/ { v = $7; u = $8 } END {
    if (u == "Gbits/sec") printf "%.3f", v / 8; else if (u == "Mbits/sec") printf "%.3f", v / 8000 }'
  wait "$server" 2>/dev/null || true
}

# free_port: a TCP port nothing listens on right now.
free_port() {
  local port
  while :; do
    port=$((30000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# median: the median of the numbers on stdin, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measurement_start [ROUNDS=5] [SECONDS=5] [TRANSPORT=tcp]: for the measure scripts: set-up and a Release build, then
# $rounds, $seconds, $transport and a scratch folder $out, removed on exit.
measurement_start() {
  scripts/setup.sh
  build_release
  rounds=${1:-5}
  seconds=${2:-5}
  transport=${3:-tcp}
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
}

# measurement_endpoint: a fresh endpoint on the chosen transport (tcp or unix).
measurement_endpoint() {
  if [ "$transport" = unix ]; then echo "unix://$out/rf.sock"; else echo "tcp://127.0.0.1:$(free_port)"; fi
}
