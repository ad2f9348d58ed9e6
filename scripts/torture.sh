#!/usr/bin/env bash
# The torture test at full size: 100,000 generated bad inputs (or $1) against a running rawframes-recv, then a good
# sender, verified (tests/Receiver/TortureTests.cs). Prints the inputs by kind, the receiver's errors by kind and its peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
RAWFRAMES_TORTURE_INPUTS="${1:-100000}" dotnet test tests -c Release --filter "FullyQualifiedName~TortureTests" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "torture:|Passed|Failed|Error Message|Expected"
