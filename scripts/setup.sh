#!/usr/bin/env bash
# Installs what the programs, tests and measurements need on a fresh Debian 12 machine. Idempotent; run as root.
#   scripts/setup.sh            everything (programs, tests, measurements)
#   scripts/setup.sh runtime    only what the programs load at run time (scripts/install.sh)
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK (dotnet) is required and is not in Debian's archive; install it first." >&2
  exit 1
fi

# Debian packages, installed only when missing: the codecs' native libraries (TurboJPEG, libyuv, libspng), ffmpeg
# (the codec tests decode our YUV-JPEG with an independent decoder; the ffmpeg: source runs it), iperf3 (the loopback ceiling we measure against)
# and Debian's own Python 3 with numpy, pytest, Pillow and OpenCV for the Python client (clients/python) and its tests,
# and Flask for the MJPEG baseline (scripts/measure-browser.sh).
# src/OpenCv's native runtime (libOpenCvSharpExtern.so, from NuGet) links GTK 3, HarfBuzz, FreeType, libdrm and libatomic.
# python3-venv: the packaging tests install the Python wheel into fresh venvs (scripts/test-packages.sh).
runtime=(libturbojpeg0 libyuv0 libspng0 libgtk-3-0 libharfbuzz0b libfreetype6 libdrm2 libatomic1)
wanted=("${runtime[@]}")
[ "${1:-}" = runtime ] || wanted+=(python3 python3-numpy python3-pytest python3-pil python3-opencv python3-flask python3-venv)
packages=()
for package in "${wanted[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || packages+=("$package")
done
if [ "${1:-}" != runtime ]; then
  command -v ffmpeg >/dev/null 2>&1 || packages+=(ffmpeg)
  command -v iperf3 >/dev/null 2>&1 || packages+=(iperf3)
  # nats-server for the NATS endpoints' tests and measurements (PROTOCOL.md §19): one server and a cluster of three.
  command -v nats-server >/dev/null 2>&1 || packages+=(nats-server)
  # Headless Chromium for the browser tests of rawframes-recv --http (driven by Microsoft.Playwright).
  [ -x /usr/bin/chromium ] || packages+=(chromium)
fi

if ((${#packages[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${packages[*]} (run as root or: sudo apt-get install ${packages[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${packages[*]}" >&2
  # Another install may hold the dpkg lock for a while: wait for it rather than fail.
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null; then
      break
    fi
    [ "$attempt" -eq 10 ] && { echo "setup: apt-get failed" >&2; exit 1; }
    sleep 6
  done
fi
