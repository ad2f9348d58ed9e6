#!/usr/bin/env bash
# The packages proved outside the repository, as a user would use them (README: Install):
#   - scripts/install.sh: dotnet pack at the root writes every package (readme, license, XML docs, symbols, one
#     version) into a folder feed, and dotnet tool install from it gives working rawframes-send, -recv and -relay;
#   - a new console application in a temporary folder references RawFrames.Client from the feed, sends frames to the
#     installed rawframes-recv, and every byte received is checked;
#   - the Python wheel is built, installed into a fresh venv (Debian's numpy through --system-site-packages), and its
#     rawframes command receives and verifies frames from the installed rawframes-send; pip install ./clients/python
#     works too, offline.
# Prints "ok N - what" or "not ok N - what" per check, then "packages: P passed, F failed". Exits 1 when any failed.
#   scripts/test-packages.sh
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/lib.sh

version=$(tr -d '[:space:]' <VERSION)
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
# Nothing from this machine's package cache: every package restores from the feed just made (or, for third-party
# dependencies, from the registry), as on a user's machine.
export NUGET_PACKAGES=$work/nuget-cache DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
feed=$work/feed
passed=0 failed=0 number=0

check() { # check "what" COMMAND...: runs COMMAND, logs its output to $work/logs, prints ok / not ok
  local what=$1; shift
  number=$((number + 1))
  if "$@" >"$work/logs/$number.log" 2>&1; then
    echo "ok $number - $what"; passed=$((passed + 1))
  else
    echo "not ok $number - $what"; failed=$((failed + 1)); sed 's/^/    /' "$work/logs/$number.log" | tail -n 30
  fi
}
mkdir -p "$work/logs"

# --- .NET packages --------------------------------------------------------------------------------------------------
# The README's one command, into temporary folders: dotnet pack at the root, then dotnet tool install from the feed.
tools=$work/tools
check "scripts/install.sh packs every package at version $version into a folder feed and installs the three tools from it" \
  scripts/install.sh --feed "$feed" --tool-path "$tools"

packages_complete() {
  local id
  for id in RawFrames.Protocol RawFrames.Codecs RawFrames.Client RawFrames.OpenCv rawframes-send rawframes-recv rawframes-relay; do
    [ -f "$feed/$id.$version.nupkg" ] || { echo "missing $id.$version.nupkg"; return 1; }
    [ -f "$feed/$id.$version.snupkg" ] || { echo "missing $id.$version.snupkg (symbols)"; return 1; }
  done
  # Only what applications reference, and the tools: no test, bench or program-internal packages.
  [ "$(ls "$feed"/*.nupkg | wc -l)" -eq 7 ] || { ls "$feed"; return 1; }
  /usr/bin/python3 - "$feed" "$version" <<'EOF'
import sys, zipfile, re
feed, version = sys.argv[1], sys.argv[2]
for library in ("RawFrames.Protocol", "RawFrames.Codecs", "RawFrames.Client", "RawFrames.OpenCv"):
    with zipfile.ZipFile(f"{feed}/{library}.{version}.nupkg") as package:
        names = package.namelist()
        nuspec = package.read(f"{library}.nuspec").decode()
        for needed in ("README.md", "LICENSE", f"lib/net10.0/{library}.dll", f"lib/net10.0/{library}.xml"):
            assert needed in names, f"{library}: no {needed} in {names}"
        assert '<license type="expression">MIT</license>' in nuspec, f"{library}: no license expression"
        assert "<readme>README.md</readme>" in nuspec and f"<version>{version}</version>" in nuspec, nuspec
        readme = package.read("README.md").decode()
        assert "libturbojpeg0 libyuv0 libspng0" in readme, "the readme names the codecs' Debian packages"
    with zipfile.ZipFile(f"{feed}/{library}.{version}.snupkg") as symbols:
        assert f"lib/net10.0/{library}.pdb" in symbols.namelist(), f"{library}: no pdb in its symbols package"
client = zipfile.ZipFile(f"{feed}/RawFrames.Client.{version}.nupkg").read("RawFrames.Client.nuspec").decode()
for dependency in ("RawFrames.Protocol", "RawFrames.Codecs", "NATS.Client.Core"):
    assert re.search(f'<dependency id="{dependency}" version="[^"]*"', client), f"RawFrames.Client does not depend on {dependency}"
assert re.search(f'<dependency id="RawFrames.Protocol" version="{re.escape(version)}"', client), "one version for all"
for tool in ("rawframes-send", "rawframes-recv", "rawframes-relay"):
    with zipfile.ZipFile(f"{feed}/{tool}.{version}.nupkg") as package:
        nuspec = package.read(f"{tool}.nuspec").decode()
        assert '<packageType name="DotnetTool"' in nuspec, f"{tool} is not a .NET tool"
        assert any(name.endswith("DotnetToolSettings.xml") for name in package.namelist()), tool
print("every package complete")
EOF
}
check "each package has its readme, MIT license expression, XML docs, symbols and dependencies at one version" packages_complete

tools_run() { local tool; for tool in rawframes-send rawframes-recv rawframes-relay; do "$tools/$tool" --help >/dev/null || return 1; done; }
check "the installed rawframes-send, rawframes-recv and rawframes-relay run" tools_run
help_names_native() { local help; help=$("$tools/rawframes-recv" --help) && echo "$help" && grep -q "apt-get install libturbojpeg0 libyuv0 libspng0" <<<"$help"; }
check "the installed rawframes-recv --help names the Debian packages its codecs load" help_names_native

# A new console application in a temporary folder, referencing RawFrames.Client from the feed (README: Install).
app=$work/app
make_app() {
  dotnet new console -o "$app" --framework net10.0 &&
  (cd "$app" && dotnet new nugetconfig && dotnet nuget add source "$feed" --name rawframes --configfile nuget.config) &&
  (cd "$app" && dotnet add package RawFrames.Client --version "$version") &&
  cat >"$app/Program.cs" <<'EOF'
using RawFrames.Client;

// Sends FRAMES raw BGR frames in which every byte says which frame and which byte it is, then END.
const int width = 64, height = 48, frames = 30;
var bgr = new byte[width * height * 3];
await using var sender = await FrameSender.ConnectAsync(args[0]);
for (int i = 0; i < frames; i++)
{
    for (int b = 0; b < bgr.Length; b++)
    {
        bgr[b] = (byte)((i * 31 + b) % 251);
    }

    if (!await sender.SendAsync(bgr, width, height))
    {
        Console.Error.WriteLine($"the receiver stopped taking frames at {i}");
        return 1;
    }
}

Console.WriteLine($"sent {frames} frames");
return 0;
EOF
  [ -d "$app" ] && dotnet build "$app" -c Release --nologo
}
check "a new console app references RawFrames.Client $version from the feed and builds" make_app

app_to_tool() {
  local port; port=$(free_port)
  "$tools/rawframes-recv" --listen "tcp://127.0.0.1:$port" --once --stdout --json >"$work/received.raw" 2>"$work/recv.err" &
  local receiver=$!; pids+=("$receiver")
  until grep -q "listening on" "$work/recv.err" 2>/dev/null; do kill -0 "$receiver" 2>/dev/null || return 1; sleep 0.05; done
  dotnet "$app/bin/Release/net10.0/app.dll" "tcp://127.0.0.1:$port" || return 1
  wait "$receiver" || { cat "$work/recv.err"; return 1; }
  grep -q '"frames":30' "$work/recv.err" && grep -q '"gaps":0' "$work/recv.err" || { cat "$work/recv.err"; return 1; }
  /usr/bin/python3 - "$work/received.raw" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
size = 64 * 48 * 3
assert len(data) == 30 * size, f"{len(data)} bytes received, {30 * size} sent"
for i in range(30):
    expected = bytes((i * 31 + b) % 251 for b in range(size))
    assert data[i * size:(i + 1) * size] == expected, f"frame {i} differs"
print("30 frames, every byte as sent")
EOF
}
check "the app sends 30 frames to the installed rawframes-recv, every byte received as sent" app_to_tool

# --- Python -----------------------------------------------------------------------------------------------------------
wheels=$work/wheels
venv=$work/venv
build_wheel() {
  /usr/bin/python3 -m venv --system-site-packages "$work/build-venv" &&
  "$work/build-venv/bin/pip" wheel --no-deps --no-index -w "$wheels" "$repo/clients/python" &&
  [ -f "$wheels/rawframes-$version-py3-none-any.whl" ]
}
check "a wheel is built (rawframes-$version-py3-none-any.whl), offline" build_wheel

install_wheel() {
  /usr/bin/python3 -m venv --system-site-packages "$venv" &&
  "$venv/bin/pip" install --no-index "$wheels/rawframes-$version-py3-none-any.whl" &&
  [ -x "$venv/bin/rawframes" ] &&
  (cd "$work" && env -u PYTHONPATH "$venv/bin/python" -c "
import rawframes, sys
assert rawframes.__version__ == '$version', rawframes.__version__
assert rawframes.__file__.startswith('$venv'), rawframes.__file__  # the installed copy, not the checkout
print(rawframes.__version__, rawframes.__file__)")
}
check "the wheel installs into a fresh venv: rawframes.__version__ is $version, a rawframes command" install_wheel

command_version() { [ "$(cd "$work" && env -u PYTHONPATH "$venv/bin/rawframes" --version)" = "rawframes $version" ]; }
check "rawframes --version says rawframes $version" command_version
command_info() { local info; info=$(cd "$work" && env -u PYTHONPATH "$venv/bin/rawframes" info --json) && echo "$info" && grep -q "\"version\":\"$version\"" <<<"$info"; }
check "rawframes info describes the installation" command_info

command_receives() {
  local port; port=$(free_port)
  (cd "$work" && env -u PYTHONPATH "$venv/bin/rawframes" receive --listen "tcp://127.0.0.1:$port" --frames 30 --verify --quiet >"$work/py.json" 2>"$work/py.err") &
  local receiver=$!; pids+=("$receiver")
  "$tools/rawframes-send" --to "tcp://127.0.0.1:$port" --source synthetic:320x240 --frames 30 --quiet --connect-timeout 20 || return 1
  wait "$receiver" || { cat "$work/py.json" "$work/py.err"; return 1; }
  cat "$work/py.json"
  grep -q '"frames":30' "$work/py.json" && grep -q '"verified":30' "$work/py.json" && grep -q '"verify_failures":0' "$work/py.json"
}
check "the venv's rawframes receive verifies 30 frames from the installed rawframes-send" command_receives

pip_install_directory() {
  /usr/bin/python3 -m venv --system-site-packages "$work/venv2" &&
  (cd "$repo" && "$work/venv2/bin/pip" install ./clients/python) &&
  (cd "$work" && env -u PYTHONPATH "$work/venv2/bin/rawframes" --version)
}
check "pip install ./clients/python works offline in a fresh venv" pip_install_directory

echo "packages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
