#!/usr/bin/env bash
# Builds and runs the tests, then prints one line: "tests: N passed, M failed" over all of them. Exits non-zero when
# any failed.
#   scripts/test.sh          every test (CI): dotnet test, the Python client's pytest suite, then the packages' checks
#   scripts/test.sh --fast   only the tests that start no program, server or browser (the inner loop, about a minute):
#                            dotnet test without [Trait("Category", "Process")], pytest without @pytest.mark.process
set -uo pipefail
cd "$(dirname "$0")/.."
fast=false
case "${1:-}" in
  --fast) fast=true ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--fast]" >&2; exit 2 ;;
esac
scripts/setup.sh || exit 1
dotnet_filter=()
pytest_filter=()
if $fast; then
  dotnet_filter=(--filter "Category!=Process")
  pytest_filter=(-m "not process")
fi

log=$(mktemp)
pylog=$(mktemp)
pklog=$(mktemp)
trap 'rm -f "$log" "$pylog" "$pklog"' EXIT
# --blame-hang-timeout: a hung test is killed and named instead of stalling the run.
dotnet test RawFrames.sln -c Release --nologo --blame-hang-timeout 5m "${dotnet_filter[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The Python client's tests (vectors, API, interop with the programs dotnet test just built). Debian's python3 by
# its full path: a python3 earlier on PATH (pyenv) lacks Debian's numpy and pytest.
(cd clients/python && timeout 15m /usr/bin/python3 -m pytest -p no:cacheprovider -q -rfE "${pytest_filter[@]}" tests) 2>&1 | tee "$pylog"
pystatus=${PIPESTATUS[0]}

# The packages (full tier only), proved outside the repository (scripts/test-packages.sh): dotnet pack, the tools installed from the
# folder feed, a new app referencing RawFrames.Client, the Python wheel in a fresh venv. One "ok"/"not ok" per check.
if $fast; then
  pkstatus=0
else
  timeout 20m scripts/test-packages.sh 2>&1 | tee "$pklog"
  pkstatus=${PIPESTATUS[0]}
fi
pkpassed=$(grep -cE '^ok [0-9]+ ' "$pklog")
pkfailed=$(grep -cE '^not ok [0-9]+ ' "$pklog")
if [ "$pkstatus" -ne 0 ] && [ "$pkfailed" -eq 0 ]; then
  echo "scripts/test-packages.sh exited with $pkstatus before reporting a failed check" >&2
  pkfailed=1
fi

# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, ..." line per test project and no total;
# pytest prints one "N failed, M passed, K errors in S s" line.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
pysummary=$(grep -E '^=*[ ]*[0-9]+ (passed|failed|error)' "$pylog" | tail -n 1)
pypassed=$(grep -oE '[0-9]+ passed' <<<"$pysummary" | awk '{print $1}')
pyfailed=$(grep -oE '[0-9]+ (failed|errors?)' <<<"$pysummary" | awk '{s += $1} END {print s + 0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status before reporting a failed test (build error or crashed test host)" >&2
fi
if [ "$pystatus" -ne 0 ] && [ "$pyfailed" -eq 0 ]; then
  echo "pytest exited with $pystatus before reporting a failed test" >&2
  pyfailed=1
fi
echo "tests: $((passed + ${pypassed:-0} + pkpassed)) passed, $((failed + pyfailed + pkfailed)) failed"
[ "$status" -ne 0 ] && exit "$status"
[ "$pystatus" -ne 0 ] && exit "$pystatus"
exit "$pkstatus"
