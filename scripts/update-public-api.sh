#!/usr/bin/env bash
# Writes the public surface of the libraries (src/Client, src/Protocol, src/Codecs, src/OpenCv) into each one's
# PublicAPI.Unshipped.txt: run it after changing the API on purpose, and review the diff of those files.
# The build fails (RS0016/RS0017) whenever the code and the files disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in Protocol Codecs Client OpenCv; do
  file="src/$project/PublicAPI.Unshipped.txt"
  printf '#nullable enable\n' > "$file"
  # RS0016 names each public symbol missing from the files, in the files' own format; RS0017 each one gone.
  for pass in 1 2; do
    symbols=$(dotnet build "src/$project" -c Release --no-incremental -p:TreatWarningsAsErrors=false 2>&1 \
      | grep -oE "RS0016: Symbol '.*' is not part of the declared public API" \
      | sed -E "s/^RS0016: Symbol '(.*)' is not part of the declared public API$/\1/" | sort -u || true)
    [ -z "$symbols" ] && break
    { cat "$file"; printf '%s\n' "$symbols"; } | awk 'NR == 1 || !seen[$0]++' > "$file.new" && mv "$file.new" "$file"
  done
  # Gone from the code: drop them from both files.
  gone=$(dotnet build "src/$project" -c Release --no-incremental -p:TreatWarningsAsErrors=false 2>&1 \
    | grep -oE "RS0017: Symbol '.*' is part of the declared API, but is either not public or could not be found" \
    | sed -E "s/^RS0017: Symbol '(.*)' is part of the declared API.*$/\1/" | sort -u || true)
  if [ -n "$gone" ]; then
    for f in "src/$project/PublicAPI.Shipped.txt" "$file"; do
      grep -vxF -f <(printf '%s\n' "$gone") "$f" > "$f.new" || true
      mv "$f.new" "$f"
    done
  fi
  echo "$project: $(($(wc -l < "src/$project/PublicAPI.Shipped.txt") + $(wc -l < "$file") - 2)) public symbols"
done
