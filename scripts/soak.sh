#!/usr/bin/env bash
# Soak: rawframes-send -> rawframes-recv (1080p raw at 100 fps, ACKs, every frame verified) for MINUTES, sampling
# both programs' resident memory and the frame count every 5 s; fails if memory keeps growing after the warm-up.
# The samples go to soak.csv (seconds, sender MiB, receiver MiB, frames). CI runs the same test for two minutes.
#   scripts/soak.sh [MINUTES=30]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
minutes=${1:-30}
RAWFRAMES_SOAK_SECONDS=$((minutes * 60)) RAWFRAMES_SOAK_CSV="$PWD/soak.csv" \
  dotnet test tests -c Release --filter "FullyQualifiedName~SoakTests" --logger "console;verbosity=normal" 2>&1 \
  | grep -E "Passed|Failed|Error Message|Expected|levelled"
echo "samples: $PWD/soak.csv"
