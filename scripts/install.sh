#!/usr/bin/env bash
# From a checkout, one command: installs the Debian packages the codecs load, builds every package into a folder feed
# (dotnet pack), and installs rawframes-send, rawframes-recv and rawframes-relay from it as .NET tools, replacing any
# installed before. Applications then reference the same folder (README: Install).
#   scripts/install.sh [--feed DIR] [--tool-path DIR]
#     --feed DIR        where the packages go (default: artifacts/packages)
#     --tool-path DIR   install the tools into DIR instead of as global tools (~/.dotnet/tools, put on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
feed=$PWD/artifacts/packages
tool_path=
while [ $# -gt 0 ]; do
  case "$1" in
    --feed) feed=$(realpath -m "$2"); shift 2 ;;
    --tool-path) tool_path=$(realpath -m "$2"); shift 2 ;;
    *) echo "install: unknown option $1 (options: --feed DIR, --tool-path DIR)" >&2; exit 2 ;;
  esac
done
scripts/setup.sh runtime

version=$(tr -d '[:space:]' <VERSION)
rm -f "$feed"/*.nupkg "$feed"/*.snupkg
dotnet pack RawFrames.sln -c Release --nologo -v quiet -o "$feed"

where=(--global)
tools_dir=${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools
[ -n "$tool_path" ] && where=(--tool-path "$tool_path") && tools_dir=$tool_path
for tool in rawframes-send rawframes-recv rawframes-relay; do
  # Uninstall first: a rebuild of the same version would otherwise be taken as already installed.
  dotnet tool uninstall "${where[@]}" "$tool" >/dev/null 2>&1 || true
  dotnet tool install "${where[@]}" "$tool" --add-source "$feed" --version "$version" >/dev/null
  echo "installed $tool $version in $tools_dir"
done

# dotnet puts global tools in ~/.dotnet/tools, which a fresh shell may not have on PATH.
if [ -z "$tool_path" ]; then
  case ":$PATH:" in
    *":$tools_dir:"*) ;;
    *)
      if [ -w /usr/local/bin ]; then
        for tool in rawframes-send rawframes-recv rawframes-relay; do ln -sf "$tools_dir/$tool" "/usr/local/bin/$tool"; done
        echo "linked the three commands into /usr/local/bin"
      else
        echo "add the tools to PATH: export PATH=\"\$PATH:$tools_dir\""
      fi
      ;;
  esac
fi
echo "applications: dotnet nuget add source $feed --name rawframes && dotnet add package RawFrames.Client"
