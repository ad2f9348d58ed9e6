#!/usr/bin/env bash
# Prints the path of a natural photo for benchmarks and demos, 1920x1144 by default (a 1920x1080 frame plus the
# 64-row pan of `--source image:PATH`), made once from a photo in Debian's plasma-workspace-wallpapers (LGPL-3):
# scaled to cover the size, centre cropped, stored as PNG so that no second JPEG generation is baked in.
#   scripts/natural-photo.sh [WIDTHxHEIGHT] [NAME]
# NAME FallenLeaf (default; autumn leaves, 185 KB per 1080p frame at q80, close to a typical camera frame) or
# EveningGlow (boats on gravel at dusk, 432 KB: a detailed scene, the hard case for JPEG).
set -euo pipefail
size=${1:-1920x1144}
name=${2:-FallenLeaf}
width=${size%x*}
height=${size#*x}
source_jpeg=/usr/share/wallpapers/$name/contents/images/2560x1600.jpg
cache=${RAWFRAMES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rawframes}
photo=$cache/$name-$size.png

if [ ! -s "$photo" ]; then
  if [ ! -f "$source_jpeg" ]; then
    echo "natural-photo: installing plasma-workspace-wallpapers (about 94 MB, once)" >&2
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
      if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq plasma-workspace-wallpapers >/dev/null; then
        break
      fi
      [ "$attempt" -eq 10 ] && { echo "natural-photo: apt-get failed" >&2; exit 1; }
      sleep 6
    done
  fi
  command -v ffmpeg >/dev/null 2>&1 || { echo "natural-photo: ffmpeg is missing (scripts/setup.sh installs it)" >&2; exit 1; }
  mkdir -p "$cache"
  ffmpeg -v error -y -i "$source_jpeg" \
    -vf "scale=$width:$height:force_original_aspect_ratio=increase:flags=lanczos,crop=$width:$height" -frames:v 1 -pix_fmt rgb24 "$photo.tmp.png"
  mv "$photo.tmp.png" "$photo"
fi
echo "$photo"
