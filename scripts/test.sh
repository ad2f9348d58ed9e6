#!/usr/bin/env bash
# Builds and runs every test, then prints one line: "tests: N passed, M failed". Exits with dotnet test's code.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --blame-hang-timeout: a hung test is killed and named instead of stalling the run.
dotnet test RawFrames.sln -c Release --nologo --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, ..." line per test project and no total.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status before reporting a failed test (build error or crashed test host)" >&2
fi
echo "tests: $passed passed, $failed failed"
exit "$status"
